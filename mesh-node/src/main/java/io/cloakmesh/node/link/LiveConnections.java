package io.cloakmesh.node.link;

import io.cloakmesh.node.routing.CborSerializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** The node's open client connections (entry side) and links (exit side), for the admin API. */
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

        private Live(String service, String role, String client) {
            this.service = service;
            this.role = role;
            this.client = client;
        }

        void peer(String value) {
            peer = value;
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

    /** Registers a connection until {@link #remove}. */
    Live register(String service, String role, String client) {
        Live live = new Live(service, role, client);
        open.put(live, Boolean.TRUE);
        return live;
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
