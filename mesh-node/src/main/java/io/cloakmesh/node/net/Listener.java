package io.cloakmesh.node.net;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.apache.pekko.actor.ClassicActorSystemProvider;
import org.apache.pekko.io.Inet;
import org.apache.pekko.io.TcpSO;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Tcp;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A TCP listener for a tunnel: half-close on, a bounded number of connections, each handed to {@code serve}. */
public final class Listener {
    private static final Logger LOG = LoggerFactory.getLogger(Listener.class);
    /** Clients beyond the connection limit wait here rather than in an accept queue of ours. */
    private static final int BACKLOG = 128;
    public static final List<Inet.SocketOption> OPTIONS = List.of(TcpSO.tcpNoDelay(true), TcpSO.keepAlive(true));

    private Listener() {
    }

    /** Binds {@code host:port}; fails if it cannot. {@code what} names the listener in the log. */
    public static CompletionStage<Tcp.ServerBinding> bind(ClassicActorSystemProvider system, String what, String host,
            int port, int maxConnections, Consumer<ConnectionLimit.Admitted<Tcp.IncomingConnection>> serve) {
        return Tcp.get(system)
                .bind(host, port, BACKLOG, OPTIONS, true, Optional.empty())
                .via(new ConnectionLimit<>(maxConnections,
                        max -> LOG.warn("{}: maximum number of connections ({}) reached", what, max)))
                .toMat(Sink.foreach(serve::accept), Keep.left())
                .run(system);
    }
}
