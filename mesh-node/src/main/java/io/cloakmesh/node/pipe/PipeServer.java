package io.cloakmesh.node.pipe;

import io.cloakmesh.crypto.pipe.Role;
import io.cloakmesh.node.net.Failures;
import io.cloakmesh.node.net.Listener;
import io.cloakmesh.protocol.pipe.Pipe;
import io.cloakmesh.protocol.pipe.PipeFailure;
import io.cloakmesh.protocol.pipe.PipeSettings;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.Done;
import org.apache.pekko.actor.ClassicActorSystemProvider;
import org.apache.pekko.io.Inet;
import org.apache.pekko.io.TcpSO;
import org.apache.pekko.stream.StreamTcpException;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Tcp;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A listening pipe: accepts connections on the source address and joins each to a new connection to
 * the target through one pipe stage. On the encrypting side the target connection is made at once and
 * the handshake runs over it; on the decrypting side the target is connected only after the client has
 * proved it holds the key, so a wrong-key prober never reaches the backend (spiped connects first).
 */
public final class PipeServer {
    private static final Logger LOG = LoggerFactory.getLogger(PipeServer.class);
    private final ClassicActorSystemProvider system;
    private final Role role;
    private final PipeSettings settings;
    private final TargetResolver target;
    private final Optional<InetSocketAddress> bindAddress;
    private final List<Inet.SocketOption> socketOptions;
    private volatile Listener listener;

    private PipeServer(ClassicActorSystemProvider system, PipeOptions options, PipeSettings settings,
            TargetResolver target, Optional<InetSocketAddress> bindAddress) {
        this.system = system;
        this.role = options.role();
        this.settings = settings;
        this.target = target;
        this.bindAddress = bindAddress;
        this.socketOptions = List.of(TcpSO.tcpNoDelay(true), TcpSO.keepAlive(options.keepAlive()));
    }

    /** Binds {@code listen} and starts serving; fails if the address cannot be bound. */
    static CompletionStage<PipeServer> start(ClassicActorSystemProvider system, PipeOptions options,
            PipeSettings settings, InetSocketAddress listen, TargetResolver target, Optional<InetSocketAddress> bindAddress) {
        PipeServer server = new PipeServer(system, options, settings, target, bindAddress);
        return Listener.bind(system, "", listen.getAddress().getHostAddress(), listen.getPort(), server.socketOptions,
                        options.maxConnections(), server::serve)
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

    private void serve(Tcp.IncomingConnection connection, Runnable closed) {
        InetSocketAddress peer = connection.remoteAddress();
        InetSocketAddress to = target.current();
        AtomicBoolean targetFailed = new AtomicBoolean();
        Flow<ByteString, ByteString, CompletionStage<Tcp.OutgoingConnection>> outgoing = Tcp.get(system)
                .outgoingConnection(to, bindAddress, socketOptions, true, Optional.of(settings.handshakeTimeout()), Optional.empty())
                .mapMaterializedValue(connected -> {
                    connected.whenComplete((c, e) -> {
                        if (e != null && targetFailed.compareAndSet(false, true)) {
                            LOG.warn("connection from {} dropped: target {} unreachable: {}", peer, to, Failures.rootMessage(e));
                        }
                    });
                    return connected;
                });
        CompletableFuture<Done> authenticated = new CompletableFuture<>();
        Flow<ByteString, ByteString, CompletionStage<Done>> handler = role == Role.CLIENT
                ? Pipe.client(settings, authenticated).join(outgoing)
                : Pipe.server(settings, authenticated).reversed().join(
                        Flow.completionStageFlow(authenticated.thenApply(ok -> outgoing)));
        connection.handleWith(handler, system).whenComplete((done, failure) -> {
            if (failure != null && !targetFailed.get()) {
                LOG.warn("connection from {} dropped: {}", peer, describe(failure));
            }
            closed.run();
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
