package io.cloakmesh.node.link;

import io.cloakmesh.node.routing.CborSerializable;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.util.ByteString;

/**
 * Counters for one imported or exported service: connections, bytes each way, open failures by reason,
 * failovers, hedges and links lost with their exit. Updated from any thread; read as a {@link Snapshot}.
 */
public final class ServiceCounters {
    /**
     * A consistent-enough copy for logs and the admin API.
     *
     * @param filterVerdicts for an export with a filter: commands allowed ({@code (allowed)}) and refused, by rule
     * @param linksOpened for an import: client connections whose link opened
     * @param openNanos for an import: the time from each of those clients' arrival to its link's opening, summed
     * @param hedges for an import: opens started beside one that had not answered within the hedge delay
     * @param linksLost for an import: open connections closed because their link's exit left the cluster
     */
    public record Snapshot(String service, String role, int active, long total, long bytesToService,
            long bytesFromService, Map<String, Long> openFailures, long failovers, Map<String, Long> filterVerdicts,
            long linksOpened, long openNanos, long hedges, long linksLost)
            implements CborSerializable {
    }

    private final String service;
    private final String role;
    private final AtomicInteger active = new AtomicInteger();
    private final LongAdder total = new LongAdder();
    private final LongAdder toService = new LongAdder();
    private final LongAdder fromService = new LongAdder();
    private final LongAdder failovers = new LongAdder();
    private final LongAdder hedges = new LongAdder();
    private final LongAdder linksLost = new LongAdder();
    private final LongAdder linksOpened = new LongAdder();
    private final LongAdder openNanos = new LongAdder();
    private final Map<String, LongAdder> openFailures = new ConcurrentHashMap<>();
    private volatile Supplier<Map<String, Long>> filterVerdicts = Map::of;

    ServiceCounters(String service, String role) {
        this.service = service;
        this.role = role;
    }

    /** Where the export's filter verdicts are read, for snapshots. */
    void filterVerdicts(Supplier<Map<String, Long>> verdicts) {
        this.filterVerdicts = verdicts;
    }

    String service() {
        return service;
    }

    /** Counts a connection as open; the returned action (call once) counts it closed. */
    Runnable opened() {
        active.incrementAndGet();
        total.increment();
        return active::decrementAndGet;
    }

    int active() {
        return active.get();
    }

    void openFailed(String reason) {
        openFailures.computeIfAbsent(reason, r -> new LongAdder()).increment();
    }

    /** Counts a client's link as open, {@code nanos} after the client arrived. */
    void linkOpened(long nanos) {
        linksOpened.increment();
        openNanos.add(nanos);
    }

    void failedOver() {
        failovers.increment();
    }

    void hedged() {
        hedges.increment();
    }

    void linkLost() {
        linksLost.increment();
    }

    /**
     * Wraps a flow whose input goes toward the service and whose output comes back from it, counting
     * bytes for the service and for the one connection.
     */
    Flow<ByteString, ByteString, NotUsed> counting(Flow<ByteString, ByteString, NotUsed> towardService,
            LiveConnections.Live connection) {
        return Flow.of(ByteString.class)
                .map(b -> {
                    toService.add(b.size());
                    connection.toService(b.size());
                    return b;
                })
                .via(towardService)
                .map(b -> {
                    fromService.add(b.size());
                    connection.fromService(b.size());
                    return b;
                });
    }

    public Snapshot snapshot() {
        Map<String, Long> failures = new TreeMap<>();
        openFailures.forEach((reason, count) -> failures.put(reason, count.sum()));
        return new Snapshot(service, role, active.get(), total.sum(), toService.sum(), fromService.sum(),
                failures, failovers.sum(), filterVerdicts.get(), linksOpened.sum(), openNanos.sum(), hedges.sum(),
                linksLost.sum());
    }
}
