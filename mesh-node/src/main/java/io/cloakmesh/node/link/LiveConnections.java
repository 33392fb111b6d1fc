package io.cloakmesh.node.link;

import io.cloakmesh.node.routing.CborSerializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The node's open client connections (entry side) and links (exit side), for the admin API, and to close
 * the connections whose link's exit left the cluster.
 */
public final class LiveConnections {
    /** One open connection as the admin API shows it; {@code peer} is the exporter (entry) or the entry (exit). */
    public record View(String service, String role, String client, String peer, long bytesToService,
            long bytesFromService, long ageSeconds) implements CborSerializable {
    }

    /** A registered connection; bytes are added as they pass, the peer is known once a link opened. */
    public static final class Live {
        private volatile String service;
        private final String role;
        private final String client;
        private final long startedNanos = System.nanoTime();
        private final AtomicLong toService = new AtomicLong();
        private final AtomicLong fromService = new AtomicLong();
        private volatile String peer = "";
        /** The cluster member carrying the link (entry side), once it opened. */
        private volatile String peerMember = "";
        private final Consumer<Throwable> abort;
        private final AtomicBoolean aborted = new AtomicBoolean();

        private Live(String service, String role, String client, Consumer<Throwable> abort) {
            this.service = service;
            this.role = role;
            this.client = client;
            this.abort = abort;
        }

        void peer(String value) {
            peer = value;
        }

        /** The link opened via {@code member}, shown as {@code value}. */
        void peer(String value, String member) {
            peer = value;
            peerMember = member;
        }

        /** Nanoseconds since the connection registered. */
        long age() {
            return System.nanoTime() - startedNanos;
        }

        void service(String value) {
            service = value;
        }

        void toService(long bytes) {
            toService.addAndGet(bytes);
        }

        void fromService(long bytes) {
            fromService.addAndGet(bytes);
        }

        View view() {
            return new View(service, role, client, peer, toService.get(), fromService.get(),
                    TimeUnit.NANOSECONDS.toSeconds(age()));
        }
    }

    private final Map<Live, Boolean> open = new ConcurrentHashMap<>();

    /** Registers a connection until {@link #remove}; {@code abort} ends it (once) if its link's exit leaves the cluster. */
    Live register(String service, String role, String client, Consumer<Throwable> abort) {
        Live live = new Live(service, role, client, abort);
        open.put(live, Boolean.TRUE);
        return live;
    }

    /** Aborts the connections whose link goes via {@code member}; returns how many, by service. */
    Map<String, Integer> abortVia(String member, Throwable cause) {
        Map<String, Integer> aborted = new TreeMap<>();
        for (Live l : open.keySet()) {
            if (l.peerMember.equals(member) && l.aborted.compareAndSet(false, true)) {
                aborted.merge(l.service, 1, Integer::sum);
                l.abort.accept(cause);
            }
        }
        return aborted;
    }

    void remove(Live live) {
        open.remove(live);
    }

    public List<View> views() {
        List<View> views = new ArrayList<>();
        open.keySet().forEach(l -> views.add(l.view()));
        return views;
    }
}
