package io.cloakmesh.node.pipe;

import io.cloakmesh.crypto.pipe.Role;
import io.cloakmesh.node.logging.LogRateLimit;
import io.cloakmesh.node.net.Failures;
import io.cloakmesh.node.net.HandshakeBudget;
import io.cloakmesh.node.net.Listener;
import io.cloakmesh.node.transport.SocketOptions;
import io.cloakmesh.node.transport.Transport;
import io.cloakmesh.node.transport.Transports;
import io.cloakmesh.protocol.pipe.Pipe;
import io.cloakmesh.protocol.pipe.PipeFailure;
import io.cloakmesh.protocol.pipe.PipeSettings;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.Done;
import org.apache.pekko.actor.ClassicActorSystemProvider;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.SharedKillSwitch;
import org.apache.pekko.stream.StreamTcpException;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A listening pipe: accepts connections on the source address and joins each to a new connection to
 * the target through one pipe stage. On the encrypting side the target connection is made at once and
 * the handshake runs over it; on the decrypting side the target is connected only after the client has
 * proved it holds the key, so a wrong-key prober never reaches the backend (spiped connects first).
 * There, too, {@code -n} counts only connections past the handshake; those still in it have their own
 * budget ({@code --max-handshakes}), so strangers on the network cannot hold the places of key holders.
 */
public final class PipeServer {
    private static final Logger LOG = LoggerFactory.getLogger(PipeServer.class);
    private final ClassicActorSystemProvider system;
    private final Role role;
    private final PipeSettings settings;
    private final TargetResolver target;
    private final Optional<InetSocketAddress> bindAddress;
    private final SocketOptions socketOptions;
    private final HandshakeBudget handshakes;
    private final LogRateLimit strangers = new LogRateLimit(Duration.ofSeconds(10));
    private volatile Listener listener;

    private PipeServer(ClassicActorSystemProvider system, PipeOptions options, PipeSettings settings,
            TargetResolver target, Optional<InetSocketAddress> bindAddress) {
        this.system = system;
        this.role = options.role();
        this.settings = settings;
        this.target = target;
        this.bindAddress = bindAddress;
        this.socketOptions = new SocketOptions(options.keepAlive());
        this.handshakes = new HandshakeBudget("pipe", options.maxHandshakes(), () -> { });
    }

    /** Binds {@code listen} and starts serving; fails if the address cannot be bound. */
    static CompletionStage<PipeServer> start(ClassicActorSystemProvider system, PipeOptions options,
            PipeSettings settings, InetSocketAddress listen, TargetResolver target, Optional<InetSocketAddress> bindAddress) {
        PipeServer server = new PipeServer(system, options, settings, target, bindAddress);
        return Listener.bind(system, "", listen.getAddress().getHostAddress(), listen.getPort(), server.socketOptions,
                        options.maxConnections(), options.role() == Role.SERVER ? Listener.Counting.FROM_AUTHENTICATION
                                : Listener.Counting.FROM_ACCEPT, () -> { }, server::serve)
                .thenApply(bound -> {
                    server.listener = bound;
                    return server;
                });
    }

    public InetSocketAddress localAddress() {
        return listener.localAddress();
    }

    public int activeConnections() {
        return listener.openConnections();
    }

    /** Stops accepting; open connections carry on. */
    public CompletionStage<Done> unbind() {
        target.close();
        return listener.unbind();
    }

    /** Completes once {@link #unbind()} was called and the last connection has ended. */
    public CompletionStage<Done> whenIdle() {
        return listener.whenIdle();
    }

    private void serve(Transport.Incoming connection, Listener.Slot slot) {
        InetSocketAddress peer = connection.remoteAddress();
        InetSocketAddress to = target.current();
        AtomicBoolean targetFailed = new AtomicBoolean();
        Flow<ByteString, ByteString, CompletionStage<Transport.Connected>> outgoing = Transports.of(system)
                .connect(to, bindAddress, socketOptions, settings.handshakeTimeout())
                .mapMaterializedValue(connected -> {
                    connected.whenComplete((c, e) -> {
                        if (e != null && targetFailed.compareAndSet(false, true)) {
                            LOG.warn("connection from {} dropped: target {} unreachable: {}", peer, to, Failures.rootMessage(e));
                        }
                    });
                    return connected;
                });
        CompletableFuture<Done> authenticated = new CompletableFuture<>();
        SharedKillSwitch thisConnection = KillSwitches.shared("pipe-connection");
        Optional<HandshakeBudget.Pending> inHandshake = role == Role.CLIENT ? Optional.empty()
                : Optional.of(handshakes.admit(peer.getAddress(), () -> thisConnection.abort(new PipeFailure(PipeFailure.Reason.HANDSHAKE_TIMEOUT,
                        "closed to make room: --max-handshakes connections were waiting for their handshake"))));
        authenticated.thenRun(() -> inHandshake.ifPresent(HandshakeBudget.Pending::done));
        // -d: the target is connected once the client holds the key and, if -n are open, one of them closed.
        Flow<ByteString, ByteString, CompletionStage<Done>> pipe = role == Role.CLIENT
                ? Pipe.client(settings, authenticated).join(outgoing)
                : Pipe.server(settings, authenticated).reversed().join(
                        Flow.completionStageFlow(authenticated.thenCompose(ok -> slot.place()).thenApply(ok -> outgoing)));
        Flow<ByteString, ByteString, CompletionStage<Done>> handler = Flow.of(ByteString.class)
                .via(thisConnection.flow())
                .viaMat(pipe, Keep.right());
        connection.handleWith(handler).whenComplete((done, failure) -> {
            inHandshake.ifPresent(HandshakeBudget.Pending::done);
            if (failure != null && !targetFailed.get()) {
                if (authenticated.isDone() && !authenticated.isCompletedExceptionally()) {
                    LOG.warn("connection from {} dropped: {}", peer, describe(failure));
                } else {
                    // Anyone can connect and fail the handshake at will: those lines are rate-limited.
                    strangers.occurred(skipped -> LOG.warn("connection from {} dropped: {}{}", peer, describe(failure),
                            skipped > 0 ? " (" + skipped + " more unauthenticated connections dropped since the last line)" : ""));
                }
            }
            slot.closed();
        });
    }

    private static String describe(Throwable failure) {
        if (failure instanceof PipeFailure) {
            return failure.getMessage();
        }
        if (failure instanceof StreamTcpException) {
            return "connection error: " + Failures.rootMessage(failure);
        }
        return failure.toString();
    }
}
