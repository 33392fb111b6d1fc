package io.cloakmesh.node.link;

import io.cloakmesh.node.config.MeshSettings.ImportSettings;
import io.cloakmesh.node.net.Failures;
import io.cloakmesh.node.net.Listener;
import io.cloakmesh.node.net.ListenerEvents;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.SharedKillSwitch;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Tcp;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One imported service on an entry node: a local listener whose every client connection gets its own
 * link to an exporter, opened (with failover) before the client's first byte is read.
 */
public final class ServiceImport {
    private static final Logger LOG = LoggerFactory.getLogger(ServiceImport.class);

    private final ImportSettings settings;
    private final ActorSystem<?> system;
    private final LinkDialer dialer;
    private final SharedKillSwitch killSwitch;
    private final LiveConnections live;
    final ServiceCounters counters;
    private volatile Listener listener;

    private ServiceImport(ImportSettings settings, ActorSystem<?> system, LinkDialer dialer, SharedKillSwitch killSwitch,
            LiveConnections live) {
        this.settings = settings;
        this.system = system;
        this.dialer = dialer;
        this.killSwitch = killSwitch;
        this.live = live;
        this.counters = new ServiceCounters(settings.name(), "import");
    }

    static CompletionStage<ServiceImport> start(ImportSettings settings, ActorSystem<?> system, LinkDialer dialer,
            SharedKillSwitch killSwitch, LiveConnections live, ListenerEvents events) {
        ServiceImport imported = new ServiceImport(settings, system, dialer, killSwitch, live);
        return Listener.bind(system, "import " + settings.name(), settings.listen().host(), settings.listen().port(),
                        Listener.OPTIONS, settings.maxConnections(),
                        Listener.Counting.FROM_ACCEPT, () -> events.count("import " + settings.name(), "fd-limit"),
                        (connection, slot) -> imported.serve(connection, slot::closed))
                .thenApply(bound -> {
                    imported.listener = bound;
                    return imported;
                });
    }

    public String name() {
        return settings.name();
    }

    public InetSocketAddress localAddress() {
        return listener.localAddress();
    }

    public CompletionStage<Done> unbind() {
        return listener.unbind();
    }

    public CompletionStage<Done> whenIdle() {
        return listener.whenIdle();
    }

    private void serve(Tcp.IncomingConnection connection, Runnable closed) {
        LiveConnections.Live connectionView = live.register(settings.name(), "import", connection.remoteAddress().toString());
        CompletionStage<LinkDialer.OpenLink> link = dialer.open(settings.name(), settings.datacenter(), counters);
        CompletionStage<Flow<ByteString, ByteString, NotUsed>> opened = link.thenApply(open -> {
            connectionView.peer(open.exporter().node() + " (" + open.exporter().linkAddress() + ")");
            return counters.counting(open.link().handle(), connectionView);
        });
        Runnable uncount = counters.opened();
        // The connection is over when both directions are: either may end first (half-close) while the other
        // still carries data, so the end of one must not tear the link down.
        Flow<ByteString, ByteString, CompletionStage<Done>> handler = Flow.of(ByteString.class)
                .watchTermination((mat, towardService) -> towardService)
                .via(killSwitch.flow())
                .via(Flow.completionStageFlow(opened))
                .watchTermination((towardService, towardClient) -> CompletableFuture.allOf(
                                towardService.toCompletableFuture(), towardClient.toCompletableFuture())
                        .thenApply(x -> Done.getInstance()));
        connection.handleWith(handler, system)
                .whenComplete((done, failure) -> {
                    // A client that leaves while its link is being opened, or a connection that failed, must not
                    // leave the link behind. After a clean end both directions of the link are closing by
                    // themselves, and aborting would reset the exit before its last bytes are written.
                    if (failure != null || !isOpen(opened)) {
                        link.thenAccept(open -> open.link().abort(new IllegalStateException("client connection closed")));
                    }
                    if (failure != null && !(Failures.rootCause(failure) instanceof LinkDialer.NoExporterException)) {
                        LOG.info("import {}: connection from {} ended: {}", settings.name(), connection.remoteAddress(),
                                Failures.rootMessage(failure));
                    }
                    uncount.run();
                    live.remove(connectionView);
                    closed.run();
                });
    }

    private static boolean isOpen(CompletionStage<?> opened) {
        CompletableFuture<?> f = opened.toCompletableFuture();
        return f.isDone() && !f.isCompletedExceptionally();
    }
}
