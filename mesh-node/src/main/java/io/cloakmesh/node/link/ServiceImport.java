package io.cloakmesh.node.link;

import io.cloakmesh.crypto.tls.TlsException;
import io.cloakmesh.node.config.HostPort;
import io.cloakmesh.node.config.ImportSettings;
import io.cloakmesh.node.logging.LogRateLimit;
import io.cloakmesh.node.net.Failures;
import io.cloakmesh.node.net.HandshakeBudget;
import io.cloakmesh.node.net.Listener;
import io.cloakmesh.node.tls.ReloadingTls;
import io.cloakmesh.node.transport.SocketOptions;
import io.cloakmesh.node.transport.Transport;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.SharedKillSwitch;
import org.apache.pekko.stream.javadsl.BidiFlow;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
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
    /** With TLS: the connections in their handshake, which do not count toward max-connections yet. */
    private final HandshakeBudget handshakes;
    private final LogRateLimit strangers = new LogRateLimit(20, Duration.ofSeconds(10));
    final ServiceCounters counters;
    private volatile Listener listener;

    private ServiceImport(Route route, EntryStack entry, Optional<ReloadingTls> tls) {
        this.route = route;
        this.entry = entry;
        this.tls = tls;
        this.counters = route.counters();
        this.handshakes = new HandshakeBudget(route.label(), route.settings().maxHandshakes(),
                () -> entry.events().count(route.settings().name(), "handshake-budget"));
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
                        imported.tls.isEmpty() ? Listener.Counting.FROM_ACCEPT : Listener.Counting.FROM_AUTHENTICATION,
                        () -> entry.events().count(route.label(), "fd-limit"),
                        imported::serve)
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

    private void serve(Transport.Incoming connection, Listener.Slot slot) {
        LiveConnections live = entry.live();
        SharedKillSwitch thisConnection = KillSwitches.shared("import-connection");
        LiveConnections.Live connectionView = live.register(counters.service(), "import", connection.remoteAddress().toString(),
                cause -> {
                    counters.linkLost();
                    thisConnection.abort(cause);
                });
        Optional<EntryStack.ClientHandshake> handshake = tls.map(t -> handshake(t, connection.remoteAddress(), slot,
                thisConnection));
        // A TLS client counts as a connection of the service once past its handshake: strangers do not.
        CompletableFuture<Runnable> counted = handshake.map(h -> h.done().thenApply(ok -> counters.opened()))
                .orElseGet(() -> CompletableFuture.completedFuture(counters.opened()));
        connection.handleWith(Flow.of(ByteString.class).via(thisConnection.flow())
                        .viaMat(entry.client(route, connectionView, handshake), Keep.right()))
                .whenComplete((done, failure) -> {
                    handshake.ifPresent(h -> h.done().completeExceptionally(
                            new SSLException("the connection ended before its TLS handshake")));
                    boolean stranger = handshake.isPresent() && handshake.get().done().isCompletedExceptionally();
                    if (failure != null && !stranger
                            && !(Failures.rootCause(failure) instanceof LinkDialer.NoExporterException)) {
                        LOG.info("{}: connection from {} ended: {}", route.label(), connection.remoteAddress(),
                                Failures.rootMessage(failure));
                    }
                    counted.thenAccept(Runnable::run);
                    live.remove(connectionView);
                    slot.closed();
                });
    }

    /**
     * A TLS client's handshake, bounded as the link listener bounds its peers': within handshake-timeout,
     * and at most max-handshakes at once. A refusal is counted by reason and logged rate-limited (anyone can
     * cause them at will), and closes the connection.
     */
    private EntryStack.ClientHandshake handshake(ReloadingTls material, InetSocketAddress peer, Listener.Slot slot,
            SharedKillSwitch thisConnection) {
        CompletableFuture<Done> done = new CompletableFuture<>();
        AtomicReference<String> reason = new AtomicReference<>("handshake-failed");
        HandshakeBudget.Pending waiting = handshakes.admit(peer.getAddress(), () -> refuse(done, reason, "handshake-budget",
                "closed to make room: max-handshakes connections were in their TLS handshake"));
        Duration timeout = route.settings().handshakeTimeout();
        entry.system().scheduler().scheduleOnce(timeout, () -> refuse(done, reason, "handshake-timeout",
                "no TLS handshake within " + timeout.toMillis() + " ms"), entry.system().executionContext());
        done.whenComplete((ok, failure) -> {
            waiting.done();
            if (failure != null) {
                thisConnection.abort(failure);
                entry.events().count(route.settings().name(), reason.get());
                strangers.occurred(skipped -> LOG.warn("{}: TLS client {} refused at the handshake: {}{}", route.label(), peer,
                        Failures.rootMessage(failure), skipped > 0 ? " (" + skipped + " more refused since the last line)" : ""));
            }
        });
        return new EntryStack.ClientHandshake(material, done, slot::place);
    }

    private static void refuse(CompletableFuture<Done> handshake, AtomicReference<String> reason, String why, String message) {
        if (!handshake.isDone()) {
            reason.set(why);
            handshake.completeExceptionally(new SSLException(message));
        }
    }
}
