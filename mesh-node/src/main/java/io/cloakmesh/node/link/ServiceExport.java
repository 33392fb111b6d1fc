package io.cloakmesh.node.link;

import io.cloakmesh.node.config.HostPort;
import io.cloakmesh.node.config.MeshSettings.ExportSettings;
import io.cloakmesh.node.net.Failures;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.io.Inet;
import org.apache.pekko.io.TcpSO;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Tcp;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One exported service on its exit node: connects a link to the first of the service's targets that
 * accepts, before the exit answers OK, so a dead target becomes a refusal the entry can fail over on.
 */
final class ServiceExport {
    private static final Logger LOG = LoggerFactory.getLogger(ServiceExport.class);
    private static final List<Inet.SocketOption> OPTIONS = List.of(TcpSO.tcpNoDelay(true), TcpSO.keepAlive(true));

    private final ExportSettings settings;
    private final ActorSystem<?> system;
    private final Materializer materializer;
    final ServiceCounters counters;

    ServiceExport(ExportSettings settings, ActorSystem<?> system) {
        this.settings = settings;
        this.system = system;
        this.materializer = Materializer.matFromSystem(system);
        this.counters = new ServiceCounters(settings.name(), "export");
    }

    String name() {
        return settings.name();
    }

    /** A connection to one of the service's targets, not yet joined to the link. */
    record Connected(Detached<?> connection, HostPort target) {
    }

    /** A connection to the first target that accepts; fails with the last target's error. */
    CompletionStage<Connected> connect() {
        return connect(0);
    }

    private CompletionStage<Connected> connect(int index) {
        HostPort target = settings.targets().get(index);
        Detached<CompletionStage<Tcp.OutgoingConnection>> attempt = Detached.run(Tcp.get(system).outgoingConnection(
                new InetSocketAddress(target.host(), target.port()), Optional.empty(), OPTIONS, true,
                Optional.of(settings.connectTimeout()), Optional.empty()), materializer);
        return attempt.materialized().handle((connected, failure) -> {
            if (failure == null) {
                return CompletableFuture.completedFuture(new Connected(attempt, target));
            }
            LOG.warn("export {}: target {} unreachable: {}", settings.name(), target, Failures.rootMessage(failure));
            attempt.abort(failure);
            return index + 1 < settings.targets().size() ? connect(index + 1)
                    : CompletableFuture.<Connected>failedFuture(failure);
        }).thenCompose(next -> next);
    }
}
