package io.cloakmesh.node.routing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * This node's current view of the services table, published by {@link RoutingTable} and read on every
 * client connection without a message round trip. It also keeps what only this entry knows: how many
 * links it has open to each exporter, and which exporters recently failed an open; and it tells who
 * asks when a member leaves the cluster.
 */
public final class RouteView {
    /** A table row as seen from here: {@code reachable} = an Up member this node can reach. */
    public record Route(ExportRow entry, boolean reachable) {
    }

    private volatile Map<String, List<Route>> routes = Map.of();
    private final List<Consumer<String>> leaving = new CopyOnWriteArrayList<>();
    private final Map<String, AtomicInteger> openLinks = new ConcurrentHashMap<>();
    private final Map<String, Long> penalizedUntil = new ConcurrentHashMap<>();

    void publish(Map<String, List<Route>> next) {
        routes = Map.copyOf(next);
        // Forget exporters that left the table once this entry has no link to them.
        java.util.Set<String> present = new java.util.HashSet<>();
        next.values().forEach(list -> list.forEach(r -> present.add(r.entry().key())));
        openLinks.entrySet().removeIf(e -> e.getValue().get() == 0 && !present.contains(e.getKey()));
    }

    /** Runs {@code listener} with each member (see {@link ExportRow#member()}) removed from the cluster. */
    public void whenMemberLeaves(Consumer<String> listener) {
        leaving.add(listener);
    }

    void memberRemoved(String member) {
        leaving.forEach(l -> l.accept(member));
    }

    /** Every service and its exporters, for the admin API and tests. */
    public Map<String, List<Route>> routes() {
        return routes;
    }

    /**
     * The exporters that may serve a new link for {@code service}, best first: in the wanted datacenter
     * (any if empty), reachable and active; ordered by recent failure, then the links this entry has
     * open to each, then their published load, with ties shuffled so entries spread their links.
     */
    public List<ExportRow> candidates(String service, Optional<String> datacenter) {
        List<ExportRow> eligible = new ArrayList<>();
        for (Route r : routes.getOrDefault(service, List.of())) {
            ExportRow e = r.entry();
            if (r.reachable() && e.state() == ExportState.ACTIVE
                    && datacenter.map(dc -> dc.equals(e.datacenter())).orElse(true)) {
                eligible.add(e);
            }
        }
        Collections.shuffle(eligible);
        long now = System.nanoTime();
        eligible.sort(Comparator.<ExportRow>comparingInt(e -> penalized(e, now) ? 1 : 0)
                .thenComparingInt(e -> openLinksTo(e))
                .thenComparingInt(ExportRow::load));
        return eligible;
    }

    /** Counts a link this entry opened to {@code exporter}; the returned action uncounts it. */
    public Runnable linkOpened(ExportRow exporter) {
        AtomicInteger count = openLinks.computeIfAbsent(exporter.key(), k -> new AtomicInteger());
        count.incrementAndGet();
        return count::decrementAndGet;
    }

    /** Puts {@code exporter} last for a while after it failed an open. */
    public void penalize(ExportRow exporter, Duration duration) {
        penalizedUntil.put(exporter.member(), System.nanoTime() + duration.toNanos());
    }

    private int openLinksTo(ExportRow e) {
        AtomicInteger count = openLinks.get(e.key());
        return count == null ? 0 : count.get();
    }

    private boolean penalized(ExportRow e, long now) {
        Long until = penalizedUntil.get(e.member());
        return until != null && until - now > 0;
    }
}
