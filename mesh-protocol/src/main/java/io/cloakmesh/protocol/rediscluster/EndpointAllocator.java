package io.cloakmesh.protocol.rediscluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.LongSupplier;

/**
 * Gives each node of a remote cluster a local port from a range, the same one for as long as it is in
 * the cluster: across refreshes, failovers and promotions (the node id does not change), and across a
 * restart of the entry, since a node's first choice is derived from its id and nodes are placed in id
 * order. A node that leaves keeps its port for {@code grace} (clients may still hold its address); only
 * then can another node have it. When the range is full, the nodes left over get no port — never
 * another node's.
 */
public final class EndpointAllocator {
    private final String host;
    private final int firstPort;
    private final int size;
    private final long graceNanos;
    private final LongSupplier nanoTime;
    private final Map<String, Integer> ports = new HashMap<>();
    private final Map<Integer, String> owners = new HashMap<>();
    /** Nodes no longer in the cluster → when they left. */
    private final Map<String, Long> departed = new HashMap<>();

    /** What an update left: the nodes the range had no room for. */
    public record Allocation(Map<String, Endpoint> endpoints, List<String> unallocated) {
    }

    public EndpointAllocator(String host, int firstPort, int lastPort, Duration grace, LongSupplier nanoTime) {
        if (firstPort < 1 || lastPort > 65535 || lastPort < firstPort) {
            throw new IllegalArgumentException("node-ports " + firstPort + "-" + lastPort + " is not a port range");
        }
        this.host = host;
        this.firstPort = firstPort;
        this.size = lastPort - firstPort + 1;
        this.graceNanos = grace.toNanos();
        this.nanoTime = nanoTime;
    }

    /** The cluster now has these nodes: new ones get ports, departed ones are kept for the grace period. */
    public synchronized Allocation update(Collection<String> nodeIds) {
        long now = nanoTime.getAsLong();
        TreeSet<String> present = new TreeSet<>(nodeIds);
        for (String id : ports.keySet()) {
            if (present.contains(id)) {
                departed.remove(id);
            } else {
                departed.putIfAbsent(id, now);
            }
        }
        departed.entrySet().removeIf(e -> {
            if (now - e.getValue() < graceNanos) {
                return false;
            }
            owners.remove(ports.remove(e.getKey()));
            return true;
        });
        List<String> unallocated = new ArrayList<>();
        for (String id : present) {
            if (!ports.containsKey(id) && !place(id)) {
                unallocated.add(id);
            }
        }
        return new Allocation(endpoints(), List.copyOf(unallocated));
    }

    public synchronized Optional<Endpoint> endpointOf(String nodeId) {
        Integer port = ports.get(nodeId);
        return port == null ? Optional.empty() : Optional.of(new Endpoint(host, port));
    }

    public synchronized Map<String, Endpoint> endpoints() {
        Map<String, Endpoint> all = new HashMap<>();
        ports.forEach((id, port) -> all.put(id, new Endpoint(host, port)));
        return Map.copyOf(all);
    }

    /** The first free port from the node's own starting point; false if none is free. */
    private boolean place(String id) {
        int start = Math.floorMod(id.hashCode(), size);
        for (int i = 0; i < size; i++) {
            int port = firstPort + (start + i) % size;
            if (!owners.containsKey(port)) {
                owners.put(port, id);
                ports.put(id, port);
                return true;
            }
        }
        return false;
    }
}
