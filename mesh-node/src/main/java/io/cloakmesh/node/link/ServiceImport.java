package io.cloakmesh.node.link;

import io.cloakmesh.crypto.tls.TlsException;
import io.cloakmesh.node.config.HostPort;
import io.cloakmesh.node.config.ImportSettings;
import io.cloakmesh.node.net.Failures;
import io.cloakmesh.node.net.Listener;
import io.cloakmesh.node.tls.ReloadingTls;
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
import org.apache.pekko.stream.javadsl.BidiFlow;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One listener of an imported service on an entry node: each client connection is assembled by the
 * {@link EntryStack} with the stages of the service's kind. A plain service has one; a Redis Cluster has
 * one for its seed endpoint and one per remote node ({@link RedisClusterImport}), whose links name the node.
 */
public final class ServiceImport implements ImportedService {
    private static final Logger LOG = LoggerFactory.getLogger(ServiceImport.class);

    /**
     * Where one listener leads: the service, the Redis node its links name (none for the seed endpoint
     * and plain services), and the kind's stages each connection runs between client and link.
     */
    record Route(ImportSettings settings, Optional<String> node, String label, ServiceCounters counters,
            Supplier<BidiFlow<ByteString, ByteString, ByteString, ByteString, NotUsed>> stages, Runnable unknownNode) {
    }

    private final Route route;
    private final EntryStack entry;
    private final Optional<ReloadingTls> tls;
    final ServiceCounters counters;
    private volatile Listener listener;

    private ServiceImport(Route route, EntryStack entry, Optional<ReloadingTls> tls) {
        this.route = route;
        this.entry = entry;
        this.tls = tls;
        this.counters = route.counters();
    }

    static CompletionStage<ServiceImport> start(Route route, HostPort listen, EntryStack entry) {
        ServiceImport imported;
        try {
            imported = new ServiceImport(route, entry, route.settings().tls().isEmpty() ? Optional.empty()
                    : Optional.of(ReloadingTls.load("imports." + route.settings().name() + ".tls", route.settings().tls().get())));
        } catch (TlsException e) {
            return CompletableFuture.failedFuture(e);
        }
        return Listener.bind(entry.system(), route.label(), listen.host(), listen.port(),
                        SocketOptions.DEFAULT, route.settings().maxConnections(),
                        Listener.Counting.FROM_ACCEPT, () -> entry.events().count(route.label(), "fd-limit"),
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
        LiveConnections live = entry.live();
        LiveConnections.Live connectionView = live.register(counters.service(), "import", connection.remoteAddress().toString());
        Runnable uncount = counters.opened();
        connection.handleWith(entry.client(route, connectionView, tls))
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
