package io.cloakmesh.node.admin;

import io.cloakmesh.node.link.ServiceCounters;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Each service's rates over the last {@link #POINTS} samples, for the console's sparklines: connections
 * opened, bytes carried and opens failed per second, and the mean time a link took to open, over the entry
 * nodes that import it, from the difference of their counters between two samples. Bounded: a point per sample, the oldest dropped.
 * Not thread-safe: one sampler adds to it.
 */
final class ConsoleHistory {
    /** Fifteen minutes at one sample a second. */
    static final int POINTS = 900;

    /**
     * A service's rates between the sample before and the one at {@code at} (ms since the epoch), and the
     * mean time its links took to open then ({@code openMillis}, 0 when none opened); {@code hedges}: opens
     * started beside one an exit had not answered (a slow or frozen exit shows here first).
     */
    record Point(long at, double opens, double bytes, double failures, double openMillis, double hedges) {
    }

    private record Totals(long opens, long bytes, long failures, long linksOpened, long openNanos, long hedges) {
    }

    private final Map<String, ArrayDeque<Point>> points = new TreeMap<>();
    private Map<String, Totals> last = Map.of();
    private long lastAt;

    /** Whether a counter of service {@code counted} (a Redis Cluster endpoint's is "service/endpoint") is {@code service}'s. */
    static boolean belongsTo(String counted, String service) {
        return counted.equals(service) || counted.startsWith(service + "/");
    }

    /** The entry nodes' counters of {@code service} in {@code g}, its Redis Cluster endpoints' included. */
    static Stream<ServiceCounters.Snapshot> importCounters(MeshQuery.Gathered g, String service) {
        return g.reports().stream().flatMap(r -> r.counters().stream())
                .filter(c -> c.role().equals("import") && belongsTo(c.service(), service));
    }

    /**
     * Adds a point per service from the counters in {@code g} read at {@code at}. The first sample only
     * sets the base; a counter that went down (a node restarted) counts from zero.
     */
    void add(long at, MeshQuery.Gathered g, Iterable<String> services) {
        Map<String, Totals> now = new HashMap<>();
        for (String service : services) {
            long opens = 0;
            long bytes = 0;
            long failures = 0;
            long linksOpened = 0;
            long openNanos = 0;
            long hedges = 0;
            for (ServiceCounters.Snapshot c : importCounters(g, service).toList()) {
                opens += c.total();
                bytes += c.bytesToService() + c.bytesFromService();
                failures += c.openFailures().values().stream().mapToLong(Long::longValue).sum();
                linksOpened += c.linksOpened();
                openNanos += c.openNanos();
                hedges += c.hedges();
            }
            now.put(service, new Totals(opens, bytes, failures, linksOpened, openNanos, hedges));
        }
        double seconds = (at - lastAt) / 1000.0;
        if (lastAt != 0 && seconds > 0) {
            now.forEach((service, t) -> {
                Totals before = last.getOrDefault(service, new Totals(0, 0, 0, 0, 0, 0));
                ArrayDeque<Point> series = points.computeIfAbsent(service, s -> new ArrayDeque<>());
                if (series.size() == POINTS) {
                    series.removeFirst();
                }
                long opened = t.linksOpened() - before.linksOpened();
                long nanos = t.openNanos() - before.openNanos();
                series.addLast(new Point(at, rate(t.opens(), before.opens(), seconds), rate(t.bytes(), before.bytes(), seconds),
                        rate(t.failures(), before.failures(), seconds), opened > 0 && nanos >= 0 ? nanos / 1e6 / opened : 0,
                        rate(t.hedges(), before.hedges(), seconds)));
            });
        }
        points.keySet().retainAll(now.keySet());
        last = now;
        lastAt = at;
    }

    Map<String, List<Point>> series() {
        Map<String, List<Point>> copy = new TreeMap<>();
        points.forEach((service, series) -> copy.put(service, List.copyOf(series)));
        return copy;
    }

    private static double rate(long now, long before, double seconds) {
        return (now >= before ? now - before : now) / seconds;
    }
}
