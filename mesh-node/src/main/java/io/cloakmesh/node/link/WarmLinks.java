package io.cloakmesh.node.link;

import io.cloakmesh.node.config.ImportSettings;
import io.cloakmesh.node.config.LinkSettings;
import io.cloakmesh.node.logging.LogRateLimit;
import io.cloakmesh.node.net.Failures;
import io.cloakmesh.node.routing.ExportRow;
import io.cloakmesh.node.routing.RouteView;
import io.cloakmesh.node.transport.Transport;
import io.cloakmesh.node.transport.Transports;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import org.apache.pekko.Done;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Links an entry keeps ready: for every exporter that can serve one of its imports (active and
 * reachable), up to {@code link.warm-links} links already through the handshake and waiting for an open
 * request, so a client's open costs one round trip. A link is handed out once and replaced; one unused
 * for {@code link.warm-idle} is closed, its replacement dialled a check earlier so that the pool is never
 * empty; those of an exporter that drains or leaves the table are closed. The pool is checked every
 * {@link #PERIOD} and after every use; the oldest ready link is handed out first.
 *
 * <p>Under load the pool grows past {@code link.warm-links}, as {@link WarmDemand} sizes it from the opens
 * that asked for a link, so that back-to-back opens across a long round trip do not find it empty.
 *
 * <p>Each warm link runs on one of the transport's places (a Netty event loop, with its socket), spread
 * evenly, and an open takes one of its own place first: then the client's connection and its link share a
 * thread, as a link dialled for the client does, and no byte between them changes threads.
 */
final class WarmLinks {
    private static final Logger LOG = LoggerFactory.getLogger(WarmLinks.class);
    static final Duration PERIOD = Duration.ofSeconds(1);

    /** One warm link, running on the transport's place {@code placement}; {@code readyAt} is 0 while its handshake runs. */
    private static final class Warm {
        final Detached<CompletionStage<Done>> link;
        final int placement;
        final long startedAt = System.nanoTime();
        long readyAt;

        Warm(Detached<CompletionStage<Done>> link, int placement) {
            this.link = link;
            this.placement = placement;
        }
    }

    private final ActorSystem<?> system;
    private final Materializer materializer;
    private final Transport transport;
    private final RouteView routes;
    private final LinkSettings settings;
    private final BiFunction<ExportRow, CompletableFuture<Done>, Flow<ByteString, ByteString, CompletionStage<Done>>> wire;
    private final Supplier<Collection<ImportSettings>> imports;
    private final LogRateLimit failures = new LogRateLimit(Duration.ofSeconds(30));
    /** By exporter link address (host:port): one exit may serve several services over the same links. */
    private final Map<String, List<Warm>> pools = new HashMap<>();
    /** What each exporter's pool should hold, by the same address. */
    private final Map<String, WarmDemand> demand = new HashMap<>();
    private Cancellable ticks;
    private boolean stopped;

    /** @param wire dials a link to an exit, as {@link EntryStack#wire} does for every link */
    WarmLinks(ActorSystem<?> system, RouteView routes, LinkSettings settings,
            BiFunction<ExportRow, CompletableFuture<Done>, Flow<ByteString, ByteString, CompletionStage<Done>>> wire,
            Supplier<Collection<ImportSettings>> imports) {
        this.system = system;
        this.materializer = Materializer.matFromSystem(system);
        this.transport = Transports.of(system);
        this.routes = routes;
        this.settings = settings;
        this.wire = wire;
        this.imports = imports;
    }

    synchronized void start() {
        if (settings.warmLinks() > 0 && ticks == null && !stopped) {
            ticks = system.scheduler().scheduleAtFixedRate(Duration.ZERO, PERIOD, this::refill, system.executionContext());
        }
    }

    /** Stops refilling and closes every warm link. */
    synchronized void stop() {
        stopped = true;
        if (ticks != null) {
            ticks.cancel();
        }
        pools.values().forEach(pool -> pool.forEach(w -> w.link.close()));
        pools.clear();
    }

    /**
     * A warm link to {@code exporter}, through its handshake and still fresh, if one is ready; never twice.
     * The oldest on the caller's own place, else the oldest on any.
     */
    Optional<Detached<?>> take(ExportRow exporter) {
        int here = transport.placementHere().orElse(-1);
        Optional<Detached<?>> taken = Optional.empty();
        synchronized (this) {
            long now = System.nanoTime();
            demand(exporter.linkAddress()).asked(now);
            List<Warm> pool = pools.getOrDefault(exporter.linkAddress(), List.of());
            Warm chosen = null;
            for (Warm w : pool) {
                boolean ready = w.readyAt != 0 && now - w.readyAt < settings.warmIdle().toNanos();
                // The pool is oldest first: keep the first ready link, unless a later one is on this place and it is not.
                if (ready && (chosen == null || chosen.placement != here && w.placement == here)) {
                    chosen = w;
                }
            }
            if (chosen != null) {
                pool.remove(chosen);
                taken = Optional.of(chosen.link);
            }
        }
        if (taken.isPresent()) {
            system.executionContext().execute(this::refill);
        }
        return taken;
    }

    private synchronized void refill() {
        if (stopped) {
            return;
        }
        Map<String, ExportRow> wanted = new HashMap<>();
        for (ImportSettings i : imports.get()) {
            routes.candidates(i.name(), i.datacenter()).forEach(e -> wanted.putIfAbsent(e.linkAddress(), e));
        }
        long now = System.nanoTime();
        Set<String> gone = new HashSet<>(pools.keySet());
        gone.removeAll(wanted.keySet());
        gone.forEach(address -> pools.remove(address).forEach(w -> w.link.close()));
        wanted.forEach((address, exporter) -> {
            List<Warm> pool = pools.computeIfAbsent(address, a -> new ArrayList<>());
            pool.removeIf(w -> {
                boolean stale = w.readyAt != 0 ? now - w.readyAt >= settings.warmIdle().toNanos()
                        : now - w.startedAt >= settings.openTimeout().toNanos();
                if (stale) {
                    w.link.close();
                }
                return stale;
            });
            // A link in its last refill period is replaced now, while it can still serve: links dialled at the
            // same moment expire together, and a client must not find the pool empty in between.
            long lastingFor = Math.min(PERIOD.toNanos(), settings.warmIdle().toNanos() / 2);
            int[] lastingOnPlace = new int[transport.placements().size()];
            pool.stream().filter(w -> w.readyAt == 0 || now - w.readyAt < settings.warmIdle().toNanos() - lastingFor)
                    .forEach(w -> lastingOnPlace[w.placement]++);
            for (long n = Arrays.stream(lastingOnPlace).sum(); n < demand(address).target(now); n++) {
                int placement = fewest(lastingOnPlace);
                lastingOnPlace[placement]++;
                pool.add(dial(address, exporter, placement));
            }
        });
        demand.keySet().retainAll(wanted.keySet());
    }

    private WarmDemand demand(String address) {
        return demand.computeIfAbsent(address, a -> new WarmDemand(settings.warmLinks(), settings.warmIdle()));
    }

    /** The index of the smallest count, the first of equals. */
    private static int fewest(int[] counts) {
        int least = 0;
        for (int i = 1; i < counts.length; i++) {
            if (counts[i] < counts[least]) {
                least = i;
            }
        }
        return least;
    }

    private Warm dial(String address, ExportRow exporter, int placement) {
        CompletableFuture<Done> authenticated = new CompletableFuture<>();
        // The wire completes when the exit's side ends: a warm link the exit closed (it drains, or the link
        // sat too long) must leave the pool at once, not fail a client's open later.
        Warm warm = new Warm(Detached.run(wire.apply(exporter, authenticated), materializer,
                transport.placements().get(placement)), placement);
        authenticated.thenRun(() -> {
            synchronized (this) {
                warm.readyAt = System.nanoTime();
                demand(address).ready(warm.readyAt - warm.startedAt);
            }
        });
        warm.link.materialized().whenComplete((done, failure) -> {
            boolean unused;
            synchronized (this) {
                List<Warm> pool = pools.get(address);
                unused = pool != null && pool.remove(warm);
            }
            if (unused) {
                warm.link.close();
                if (failure != null) {
                    failures.occurred(skipped -> LOG.warn("warm link to {} ({}) failed: {}{}", exporter.node(), address,
                            Failures.rootMessage(failure), skipped > 0 ? " (" + skipped + " more since the last line)" : ""));
                }
            }
        });
        return warm;
    }
}
