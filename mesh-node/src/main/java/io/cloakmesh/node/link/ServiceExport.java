package io.cloakmesh.node.link;

import io.cloakmesh.crypto.tls.TlsException;
import io.cloakmesh.node.config.ExportSettings;
import io.cloakmesh.node.config.HostPort;
import io.cloakmesh.node.net.Failures;
import io.cloakmesh.node.tls.ReloadingTls;
import io.cloakmesh.node.tls.TlsStage;
import io.cloakmesh.node.transport.SocketOptions;
import io.cloakmesh.node.transport.Transport;
import io.cloakmesh.node.transport.Transports;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.BidiFlow;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One exported service on its exit node: connects a link to the first of the service's targets that
 * accepts, before the exit answers OK, so a dead target becomes a refusal the entry can fail over on.
 * Which targets a link may use, and the stages between link and target, come from the service's kind.
 */
final class ServiceExport {
    private static final Logger LOG = LoggerFactory.getLogger(ServiceExport.class);

    /** The link names a Redis node the service does not have, even after reading it again. */
    static final class UnknownNodeException extends Exception {
        private static final long serialVersionUID = 1L;

        UnknownNodeException(String message) {
            super(message, null, false, false);
        }
    }

    /** The kind's part of an export: where a link goes, and what runs beside the export. */
    interface Targets {
        /**
         * The addresses to try, in order, for a link that names Redis node {@code node} (or none); fails
         * with {@link UnknownNodeException} when the service has no such node.
         */
        CompletionStage<List<HostPort>> of(Optional<String> node);

        /** Stops what the export runs beside it (a topology watcher), when it is replaced or removed. */
        default void stop() {
        }
    }

    private final ExportSettings settings;
    private final ActorSystem<?> system;
    private final Materializer materializer;
    private final Targets targets;
    private final Optional<ExportFilter> filter;
    private final Optional<ReloadingTls> tls;
    final ServiceCounters counters;

    /**
     * @param filter the kind's exit stage, between link and target: the export's command filter, if it has one
     * @param tls TLS to the targets, if the export has it ({@link #tls(ExportSettings)})
     */
    ServiceExport(ExportSettings settings, ActorSystem<?> system, Targets targets, Optional<ExportFilter> filter,
            Optional<ReloadingTls> tls) {
        this.settings = settings;
        this.system = system;
        this.materializer = Materializer.matFromSystem(system);
        this.targets = targets;
        this.filter = filter;
        this.tls = tls;
        this.counters = new ServiceCounters(settings.name(), "export");
        filter.ifPresent(f -> counters.filterVerdicts(f::verdicts));
    }

    /** The material for TLS to an export's Redis, loaded (its files were checked with the settings). */
    static Optional<ReloadingTls> tls(ExportSettings settings) {
        if (settings.tls().isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(ReloadingTls.load("exports." + settings.name() + ".tls", settings.tls().get()));
        } catch (TlsException e) {
            throw new IllegalStateException("exports." + settings.name() + ".tls." + e.setting() + ": " + e.getMessage(), e);
        }
    }

    String name() {
        return settings.name();
    }

    /** The export's command filter, if it has one. */
    Optional<ExportFilter> filter() {
        return filter;
    }

    void stop() {
        targets.stop();
    }

    /** The kind's stages for one more link. */
    BidiFlow<ByteString, ByteString, ByteString, ByteString, NotUsed> stages() {
        return filter.map(ExportFilter::stage).orElseGet(BidiFlow::identity);
    }

    /** A connection to one of the service's targets, not yet joined to the link. */
    record Connected(Detached<?> connection, HostPort target) {
    }

    /**
     * A connection to the first target that accepts; fails with the last target's error, or with
     * {@link UnknownNodeException} when {@code node} is not the service's.
     */
    CompletionStage<Connected> connect(Optional<String> node, Attributes colocated) {
        return targets.of(node).thenCompose(list -> connect(list, 0, colocated));
    }

    private CompletionStage<Connected> connect(List<HostPort> targets, int index, Attributes colocated) {
        HostPort target = targets.get(index);
        Flow<ByteString, ByteString, CompletionStage<Transport.Connected>> tcp = Transports.of(system).connect(
                InetSocketAddress.createUnresolved(target.host(), target.port()), Optional.empty(), SocketOptions.DEFAULT,
                settings.connectTimeout());
        Detached<CompletionStage<Transport.Connected>> attempt = Detached.run(tls
                .map(t -> TlsStage.client(t, target.host(), target.port())
                        .join(tcp, Keep.<NotUsed, CompletionStage<Transport.Connected>>right()))
                .orElse(tcp),
                materializer, colocated);
        return attempt.materialized().handle((connected, failure) -> {
            if (failure == null) {
                return CompletableFuture.completedFuture(new Connected(attempt, target));
            }
            LOG.warn("export {}: target {} unreachable: {}", settings.name(), target, Failures.rootMessage(failure));
            attempt.abort(failure);
            return index + 1 < targets.size() ? connect(targets, index + 1, colocated)
                    : CompletableFuture.<Connected>failedFuture(failure);
        }).thenCompose(next -> next);
    }
}
