package io.cloakmesh.node.rediscluster;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * This node's newest known topology of each exported Redis Cluster, read on every connection without a
 * message round trip. Fed by the topologies table and by answers to refresh requests, whichever is
 * newer; those who serve the cluster are told of every change.
 */
public final class TopologyView {
    private final Map<String, TopologyEntry> newest = new ConcurrentHashMap<>();
    private volatile List<TopologyEntry> rows = List.of();
    private final List<Consumer<TopologyEntry>> listeners = new CopyOnWriteArrayList<>();

    public Optional<TopologyEntry> of(String service) {
        return Optional.ofNullable(newest.get(service));
    }

    public Map<String, TopologyEntry> all() {
        return Map.copyOf(newest);
    }

    /** The whole table as it now is: every exporter's latest reading. */
    void table(List<TopologyEntry> all) {
        rows = List.copyOf(all);
        all.forEach(this::offer);
    }

    /** Every exporter's latest reading of {@code service}, for the admin API. */
    public List<TopologyEntry> rows(String service) {
        return rows.stream().filter(e -> e.service().equals(service)).toList();
    }

    /** Keeps {@code entry} if it is newer than what this node has; true if it was. */
    public boolean offer(TopologyEntry entry) {
        boolean[] kept = {false};
        newest.compute(entry.service(), (service, current) -> {
            if (entry.newerThan(current)) {
                kept[0] = !entry.equals(current);
                return entry;
            }
            return current;
        });
        if (kept[0]) {
            listeners.forEach(l -> l.accept(entry));
        }
        return kept[0];
    }

    /**
     * Calls {@code listener} with every newer topology from now on. When a service's exporters are all
     * gone, its last reading stays: endpoints are not taken from clients over an outage.
     */
    public void listen(Consumer<TopologyEntry> listener) {
        listeners.add(listener);
    }

    public void unlisten(Consumer<TopologyEntry> listener) {
        listeners.remove(listener);
    }
}
