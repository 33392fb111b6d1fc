package io.cloakmesh.node.link;

import io.cloakmesh.node.config.MeshSettings.LinkSettings;
import io.cloakmesh.node.net.Failures;
import io.cloakmesh.node.net.Listener;
import io.cloakmesh.node.routing.ExporterEntry;
import io.cloakmesh.node.routing.RouteView;
import io.cloakmesh.node.transport.SocketOptions;
import io.cloakmesh.node.transport.Transport;
import io.cloakmesh.node.transport.Transports;
import io.cloakmesh.protocol.link.EntryGate;
import io.cloakmesh.protocol.link.LinkRefusedException;
import io.cloakmesh.protocol.link.OpenReply;
import io.cloakmesh.protocol.link.OpenRequest;
import io.cloakmesh.protocol.pipe.Pipe;
import io.cloakmesh.protocol.pipe.PipeFailure;
import io.cloakmesh.protocol.pipe.PipeSettings;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens links for an entry node: tries the exporters the routing table offers, best first, until one
 * answers OK, and hands back the open link. A failed exporter is put last for a while; the client is
 * attached only to a link that is open, so it never sees an attempt that failed.
 */
final class LinkDialer {
    private static final Logger LOG = LoggerFactory.getLogger(LinkDialer.class);

    /** No exporter could serve the service; the client's connection is closed. */
    static final class NoExporterException extends Exception {
        private static final long serialVersionUID = 1L;

        NoExporterException(String message) {
            super(message, null, false, false);
        }
    }

    /** An open link and the exporter at its far end. */
    record OpenLink(Detached<?> link, ExporterEntry exporter) {
    }

    private final ActorSystem<?> system;
    private final Materializer materializer;
    private final RouteView routes;
    private final LinkSettings link;
    private final PipeSettings pipe;

    LinkDialer(ActorSystem<?> system, RouteView routes, LinkSettings link, PipeSettings pipe) {
        this.system = system;
        this.materializer = Materializer.matFromSystem(system);
        this.routes = routes;
        this.link = link;
        this.pipe = pipe;
    }

    /**
     * @param node the Redis Cluster node the link is for, if any
     * @param unknownNode run when an exit says the cluster has no such node (the entry's view is stale)
     * @param colocated where the link's stream runs: the client connection's {@code Incoming.colocated}
     */
    CompletionStage<OpenLink> open(String service, Optional<String> node, Optional<String> datacenter,
            ServiceCounters counters, Runnable unknownNode, Attributes colocated) {
        List<ExporterEntry> candidates = routes.candidates(service, datacenter);
        if (candidates.isEmpty()) {
            counters.openFailed("no-exporter");
            LOG.warn("import {}: no reachable, active exporter{}", service, datacenter.map(dc -> " in " + dc).orElse(""));
            return CompletableFuture.failedFuture(new NoExporterException("no exporter for " + service));
        }
        return attempt(new OpenRequest(service, node), candidates, 0, counters, unknownNode, colocated);
    }

    private CompletionStage<OpenLink> attempt(OpenRequest request, List<ExporterEntry> candidates, int index,
            ServiceCounters counters, Runnable unknownNode, Attributes colocated) {
        String service = request.service();
        ExporterEntry exporter = candidates.get(index);
        Flow<ByteString, ByteString, Pair<CompletionStage<OpenReply>, CompletionStage<Done>>> connection =
                EntryGate.create(request)
                        .atop(Pipe.client(pipe, new CompletableFuture<>()))
                        .join(Transports.of(system).connect(
                                InetSocketAddress.createUnresolved(exporter.linkHost(), exporter.linkPort()), Optional.empty(),
                                SocketOptions.DEFAULT, link.connectTimeout()))
                        .watchTermination(Keep.both());
        Detached<Pair<CompletionStage<OpenReply>, CompletionStage<Done>>> attempt = Detached.run(connection, materializer, colocated);
        return attempt.materialized().first().toCompletableFuture()
                .orTimeout(link.openTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .handle((reply, failure) -> {
                    if (failure == null) {
                        Runnable uncount = routes.linkOpened(exporter);
                        attempt.materialized().second().whenComplete((d, e) -> uncount.run());
                        return CompletableFuture.completedFuture(new OpenLink(attempt, exporter));
                    }
                    attempt.abort(failure);
                    String reason = reason(failure);
                    counters.openFailed(reason);
                    if (reason.equals("unknown-target-node")) {
                        // The exit read the cluster again and still has no such node: the entry's view is stale,
                        // not the exit's fault.
                        unknownNode.run();
                    } else {
                        routes.penalize(exporter, link.failurePenalty());
                    }
                    boolean more = index + 1 < candidates.size();
                    LOG.warn("import {}: open via {} ({}) failed: {}{}", service, exporter.node(), exporter.linkAddress(),
                            detail(failure), more ? "; trying the next exporter" : "; no exporter left");
                    if (!more) {
                        return CompletableFuture.<OpenLink>failedFuture(
                                new NoExporterException("every exporter of " + service + " failed"));
                    }
                    counters.failedOver();
                    return attempt(request, candidates, index + 1, counters, unknownNode, colocated);
                })
                .thenCompose(next -> next);
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
