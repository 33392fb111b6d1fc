package io.cloakmesh.node.transport;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * TCP for every listener and dialer: the pipe, imports, the link listener and dialer, exit targets and
 * Redis Cluster connections. Connections are Pekko Streams flows of bytes with half-close on both ways,
 * each with the same {@link SocketOptions}. The cluster port's gate (net.ClusterGate) is the one socket
 * outside it: a Netty relay in front of Artery, with options of its own.
 */
public interface Transport {

    /**
     * Listens on {@code host:port}. Each element is one accepted connection; connections are accepted
     * only as the source is pulled, so a consumer that stops pulling leaves clients in the backlog.
     */
    Source<Incoming, CompletionStage<Binding>> bind(String host, int port, int backlog, SocketOptions options);

    /**
     * A connection to {@code to} (resolved when materialized if unresolved), from {@code from} if given;
     * the materialized value completes once connected, or fails after {@code connectTimeout}.
     */
    Flow<ByteString, ByteString, CompletionStage<Connected>> connect(InetSocketAddress to, Optional<InetSocketAddress> from,
            SocketOptions options, Duration connectTimeout);

    /** Which implementation this is, as the setting names it. */
    TransportKind kind();

    /**
     * Where a stream can be run so that the connections it dials share its thread (Netty: one place per
     * event loop); a single place, any thread, where the transport has no such threads.
     */
    List<Attributes> placements();

    /** The index in {@link #placements} of the place the calling thread runs, if it runs one. */
    OptionalInt placementHere();

    /** An accepted connection, to be handled once. */
    interface Incoming {
        InetSocketAddress remoteAddress();

        /** Runs {@code handler} on the connection's bytes (its output goes back to the peer). */
        <M> M handleWith(Flow<ByteString, ByteString, M> handler);

        /**
         * Attributes that run another stream on this connection's own thread, where the transport has
         * one (Netty: its event loop), so that what the handler dials and relays to shares it; none
         * otherwise.
         */
        Attributes colocated();
    }

    /** A bound listener. */
    interface Binding {
        InetSocketAddress localAddress();

        /** Stops accepting; open connections carry on. */
        CompletionStage<Done> unbind();
    }

    /** An established outgoing connection. */
    record Connected(InetSocketAddress localAddress, InetSocketAddress remoteAddress) {
    }
}
