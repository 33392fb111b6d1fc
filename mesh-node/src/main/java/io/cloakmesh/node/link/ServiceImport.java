package io.cloakmesh.node.link;

import io.cloakmesh.node.config.HostPort;
import io.cloakmesh.node.config.MeshSettings.ImportSettings;
import io.cloakmesh.node.net.Failures;
import io.cloakmesh.node.net.Listener;
import io.cloakmesh.node.net.ListenerEvents;
import io.cloakmesh.node.transport.SocketOptions;
import io.cloakmesh.node.transport.Transport;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.SharedKillSwitch;
import org.apache.pekko.stream.javadsl.BidiFlow;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One listener of an imported service on an entry node: every client connection gets its own link to an
 * exporter, opened with failover while the client's first bytes already travel ({@link LinkDialer}), and
 * joined to the client through the service kind's stages ({@link ConnectionStacks}). A plain service has one; a Redis Cluster
 * has one for its seed endpoint and one per remote node ({@link ClusterImport}), whose links name the node.
 */
public final class ServiceImport implements ImportedService {
    private static final Logger LOG = LoggerFactory.getLogger(ServiceImport.class);

    /**
     * Where one listener leads: the service, the Redis node its links name (none for the seed endpoint
     * and plain services), and the stages each connection runs between client and link.
     */
    record Route(ImportSettings settings, Optional<String> node, String label, ServiceCounters counters,
            Supplier<BidiFlow<ByteString, ByteString, ByteString, ByteString, NotUsed>> stages, Runnable unknownNode) {
    }

    private final Route route;
    private final ImportSettings settings;
    private final ActorSystem<?> system;
    private final LinkDialer dialer;
    private final SharedKillSwitch killSwitch;
    private final LiveConnections live;
    final ServiceCounters counters;
    private volatile Listener listener;

    private ServiceImport(Route route, ActorSystem<?> system, LinkDialer dialer, SharedKillSwitch killSwitch,
            LiveConnections live) {
        this.route = route;
        this.settings = route.settings();
        this.system = system;
        this.dialer = dialer;
        this.killSwitch = killSwitch;
        this.live = live;
        this.counters = route.counters();
    }

    /** A plain service's one listener, on its listen address. */
    static CompletionStage<ServiceImport> start(ImportSettings settings, ActorSystem<?> system, LinkDialer dialer,
            SharedKillSwitch killSwitch, LiveConnections live, ListenerEvents events) {
        Route route = new Route(settings, Optional.empty(), "import " + settings.name(),
                new ServiceCounters(settings.name(), "import"), () -> ConnectionStacks.entry(settings, Optional.empty()),
                () -> { });
        return start(route, settings.listen(), system, dialer, killSwitch, live, events);
    }

    static CompletionStage<ServiceImport> start(Route route, HostPort listen, ActorSystem<?> system, LinkDialer dialer,
            SharedKillSwitch killSwitch, LiveConnections live, ListenerEvents events) {
        ServiceImport imported = new ServiceImport(route, system, dialer, killSwitch, live);
        return Listener.bind(system, route.label(), listen.host(), listen.port(),
                        SocketOptions.DEFAULT, route.settings().maxConnections(),
                        Listener.Counting.FROM_ACCEPT, () -> events.count(route.label(), "fd-limit"),
                        (connection, slot) -> imported.serve(connection, slot::closed))
                .thenApply(bound -> {
                    imported.listener = bound;
                    return imported;
                });
    }

    @Override
    public List<ServiceCounters.Snapshot> counters() {
        return List.of(counters.snapshot());
    }

    @Override
    public String name() {
        return counters.service();
    }

    @Override
    public InetSocketAddress localAddress() {
        return listener.localAddress();
    }

    @Override
    public CompletionStage<Done> unbind() {
        return listener.unbind();
    }

    @Override
    public CompletionStage<Done> whenIdle() {
        return listener.whenIdle();
    }

    private void serve(Transport.Incoming connection, Runnable closed) {
        LiveConnections.Live connectionView = live.register(counters.service(), "import", connection.remoteAddress().toString());
        Flow<ByteString, ByteString, NotUsed> link = dialer.link(settings.name(), route.node(), settings.datacenter(),
                counters, route.unknownNode(), connectionView);
        Runnable uncount = counters.opened();
        // The connection is over when both directions are: either may end first (half-close) while the other
        // still carries data, so the end of one must not tear the link down.
        Flow<ByteString, ByteString, CompletionStage<Done>> handler = Flow.of(ByteString.class)
                .watchTermination((mat, towardService) -> towardService)
                .via(killSwitch.flow())
                .via(route.stages().get().join(counters.counting(link, connectionView)))
                .watchTermination((towardService, towardClient) -> CompletableFuture.allOf(
                                towardService.toCompletableFuture(), towardClient.toCompletableFuture())
                        .thenApply(x -> Done.getInstance()));
        connection.handleWith(handler)
                .whenComplete((done, failure) -> {
                    if (failure != null && !(Failures.rootCause(failure) instanceof LinkDialer.NoExporterException)) {
                        LOG.info("{}: connection from {} ended: {}", route.label(), connection.remoteAddress(),
                                Failures.rootMessage(failure));
                    }
                    uncount.run();
                    live.remove(connectionView);
                    closed.run();
                });
    }
}
