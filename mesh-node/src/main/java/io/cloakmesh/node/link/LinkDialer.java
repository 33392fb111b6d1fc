package io.cloakmesh.node.link;

import io.cloakmesh.node.config.LinkSettings;
import io.cloakmesh.node.logging.LogRateLimit;
import io.cloakmesh.node.net.Failures;
import io.cloakmesh.node.routing.ExportRow;
import io.cloakmesh.node.routing.RouteView;
import io.cloakmesh.protocol.link.HedgeBudget;
import io.cloakmesh.protocol.link.HedgeDelay;
import io.cloakmesh.protocol.link.LinkFailover;
import io.cloakmesh.protocol.link.LinkRefusedException;
import io.cloakmesh.protocol.link.OpenReply;
import io.cloakmesh.protocol.link.OpenRequest;
import io.cloakmesh.protocol.pipe.PipeFailure;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.Done;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses links for an entry node: a client connection's {@link LinkFailover} attempts, in order,
 * the exporters the routing table offers, best first, each over a warm link when one is ready, and the
 * delay after which the next starts beside one unanswered (each import's {@link HedgeDelay}, while its
 * {@link HedgeBudget} allows). A failed or outrun exporter is put last for a while; the client never
 * sees an attempt that failed.
 */
final class LinkDialer {
    private static final Logger LOG = LoggerFactory.getLogger(LinkDialer.class);
    /** Marks a link's count as given back, so an OK that arrives after the link ended counts nothing. */
    private static final Runnable ENDED = () -> { };
    /**
     * Outruns in a row that put an exporter last: one is the slowest open in a hundred, which every
     * exporter has now and then; two with no answered open between is an exit that stopped answering.
     */
    private static final int OUTRUNS_TO_PENALIZE = 2;

    /** No exporter could serve the service; the client's connection is closed. */
    static final class NoExporterException extends Exception {
        private static final long serialVersionUID = 1L;

        NoExporterException(String message) {
            super(message, null, false, false);
        }
    }

    /** An import's hedge delay and budget. */
    private record Hedging(HedgeDelay delay, HedgeBudget budget) {
    }

    private final RouteView routes;
    private final LinkSettings link;
    private final WarmLinks warm;
    private final EntryStack stack;
    /** Each import's hedge delay, from its own opens' latency, and its budget of hedges. */
    private final Map<String, Hedging> hedging = new ConcurrentHashMap<>();

    /** Each exporter's outruns since its last answered open, by member. */
    private final Map<String, AtomicInteger> outruns = new ConcurrentHashMap<>();
    private final LogRateLimit outrunLines = new LogRateLimit(Duration.ofSeconds(10));

    LinkDialer(RouteView routes, LinkSettings link, WarmLinks warm, EntryStack stack) {
        this.routes = routes;
        this.link = link;
        this.warm = warm;
        this.stack = stack;
        routes.whenMemberLeaves(this::closeLinksVia);
    }

    /**
     * A member left the cluster (downed while crashed or frozen, or gone): the connections whose link it
     * carried cannot go on, and waiting on a frozen exit would hold their clients until their own timeouts.
     */
    private void closeLinksVia(String member) {
        outruns.remove(member);
        Map<String, Integer> closed = stack.live().abortVia(member, new LinkLostException(member));
        if (!closed.isEmpty()) {
            LOG.warn("links via {} closed, as it left the cluster: {} (their clients see the connection reset)", member,
                    closed);
        }
    }

    /** Why a connection was closed when its link's exit left the cluster. */
    static final class LinkLostException extends Exception {
        private static final long serialVersionUID = 1L;

        LinkLostException(String member) {
            super("the link's exit " + member + " left the cluster", null, false, false);
        }
    }

    /**
     * The attempts of one client connection, for its {@link LinkFailover}.
     *
     * @param request names the service and the Redis Cluster node the link is for, if any
     * @param unknownNode run when an exit says the cluster has no such node (the entry's view is stale)
     * @param view the client connection as the admin API shows it; learns the exporter that answered
     */
    LinkFailover.Attempts attempts(OpenRequest request, Optional<String> datacenter, ServiceCounters counters,
            Runnable unknownNode, LiveConnections.Live view) {
        return new Dialing(request, datacenter, counters, unknownNode, view);
    }

    /** One client connection's way through the candidates. */
    private final class Dialing implements LinkFailover.Attempts {
        private final OpenRequest request;
        private final Optional<String> datacenter;
        private final ServiceCounters counters;
        private final Runnable unknownNode;
        private final LiveConnections.Live view;
        private final Hedging hedge;
        private List<ExportRow> candidates;
        private int next;

        Dialing(OpenRequest request, Optional<String> datacenter, ServiceCounters counters, Runnable unknownNode,
                LiveConnections.Live view) {
            this.request = request;
            this.datacenter = datacenter;
            this.counters = counters;
            this.unknownNode = unknownNode;
            this.view = view;
            this.hedge = hedging.computeIfAbsent(request.service(),
                    s -> new Hedging(new HedgeDelay(link.hedgeDelayMin(), link.hedgeDelayMax()), new HedgeBudget()));
        }

        @Override
        public Optional<Duration> hedgeDelay() {
            return link.hedge() && candidates != null && next < candidates.size() && hedge.budget().available()
                    ? Optional.of(hedge.delay().delay()) : Optional.empty();
        }

        @Override
        public LinkFailover.Attempt next(boolean beside) throws NoExporterException {
            String service = request.service();
            if (candidates == null) {
                candidates = routes.candidates(service, datacenter);
                if (candidates.isEmpty()) {
                    counters.openFailed("no-exporter");
                    LOG.warn("import {}: no reachable, active exporter{}", service,
                            datacenter.map(dc -> " in " + dc).orElse(""));
                    throw new NoExporterException("no exporter for " + service);
                }
            }
            if (next == candidates.size()) {
                throw new NoExporterException("every exporter of " + service + " failed");
            }
            ExportRow exporter = candidates.get(next++);
            boolean more = next < candidates.size();
            if (beside) {
                counters.hedged();
                hedge.budget().spend();
            }
            long started = System.nanoTime();
            Optional<Detached<?>> ready = warm.take(exporter);
            // A new link's handshake shows its exit alive now; a warm link's was done long ago.
            CompletableFuture<Done> alive = new CompletableFuture<>();
            Flow<ByteString, ByteString, ?> wire = ready.<Flow<ByteString, ByteString, ?>>map(Detached::handle)
                    .orElseGet(() -> stack.wire(exporter, alive));
            AtomicReference<Runnable> uncount = new AtomicReference<>();
            Flow<ByteString, ByteString, CompletionStage<OpenReply>> attempt = stack.attempt(request, wire)
                    .watchTermination((reply, ended) -> {
                        ended.whenComplete((d, e) -> Optional.ofNullable(uncount.getAndSet(ENDED)).ifPresent(Runnable::run));
                        return reply;
                    });
            return new LinkFailover.Attempt(attempt, alive, () -> {
                hedge.delay().record(System.nanoTime() - started);
                hedge.budget().earned();
                outruns.remove(exporter.member());
                Runnable count = routes.linkOpened(exporter);
                if (!uncount.compareAndSet(null, count)) {
                    count.run();
                }
                view.peer(exporter.node() + " (" + exporter.linkAddress() + ")", exporter.member());
                counters.linkOpened(view.age());
            }, failure -> failed(exporter, ready.isPresent(), failure, more), () -> outrun(exporter, started));
        }

        private void failed(ExportRow exporter, boolean wasWarm, Throwable failure, boolean more) {
            String reason = reason(failure);
            counters.openFailed(reason);
            if (reason.equals("unknown-target-node")) {
                // The exit read the cluster again and still has no such node: the entry's view is stale,
                // not the exit's fault.
                unknownNode.run();
            } else {
                routes.penalize(exporter, link.failurePenalty());
            }
            LOG.warn("import {}: open via {} ({}{}) failed: {}{}", request.service(), exporter.node(),
                    exporter.linkAddress(), wasWarm ? ", warm link" : "", detail(failure),
                    more ? "; trying the next exporter" : "; no exporter left");
            if (more) {
                counters.failedOver();
            }
        }

        /** Another exporter answered first: this one is slow or silent, and after a second time tried last for a while. */
        private void outrun(ExportRow exporter, long started) {
            long silentMillis = (System.nanoTime() - started) / 1_000_000;
            boolean penalized = outruns.computeIfAbsent(exporter.member(), m -> new AtomicInteger()).incrementAndGet()
                    >= OUTRUNS_TO_PENALIZE;
            if (penalized) {
                outruns.remove(exporter.member());
                routes.penalize(exporter, link.failurePenalty());
            }
            outrunLines.occurred(skipped -> LOG.warn("import {}: open via {} ({}) had no answer after {} ms; another "
                            + "exporter answered first{}{}", request.service(), exporter.node(), exporter.linkAddress(),
                    silentMillis, penalized ? "; tried last for " + link.failurePenalty().toSeconds() + " s" : "",
                    skipped > 0 ? " (" + skipped + " more outrun opens since the last line)" : ""));
        }
    }

    /** A short, stable name for a failure, used as a counter key. */
    private static String reason(Throwable failure) {
        Throwable t = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (t instanceof LinkRefusedException refused) {
            return refused.reply() == null ? "link-closed" : refused.reply().status().name().toLowerCase().replace('_', '-');
        }
        if (t instanceof TimeoutException) {
            return "timeout";
        }
        if (t instanceof PipeFailure p) {
            return p.reason().name().toLowerCase().replace('_', '-');
        }
        return "connect-failed";
    }

    private String detail(Throwable failure) {
        Throwable t = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (t instanceof TimeoutException) {
            return "no answer within link.open-timeout (" + link.openTimeout().toMillis() + " ms)";
        }
        return t instanceof LinkRefusedException || t instanceof PipeFailure ? t.getMessage() : Failures.rootMessage(t);
    }
}
