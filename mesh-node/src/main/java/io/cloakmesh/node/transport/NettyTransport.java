package io.cloakmesh.node.transport;

import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.stream.ActorAttributes;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * {@link Transport} on Netty NIO event loops. An accepted connection's stream is materialized on the
 * dispatcher of the loop its channel is registered with, and connections it dials are made on that same
 * loop: one client's bytes go read → stages → write on one thread (docs/architecture.md, "Transport").
 */
public final class NettyTransport implements Transport {
    private final Materializer materializer;
    private final EventLoops loops;
    private final List<Attributes> placements;

    public NettyTransport(ActorSystem system, EventLoops loops) {
        this.materializer = Materializer.matFromSystem(system);
        this.loops = loops;
        this.placements = loops.all().stream().map(this::on).toList();
    }

    @Override
    public TransportKind kind() {
        return TransportKind.NETTY;
    }

    EventLoops loops() {
        return loops;
    }

    @Override
    public List<Attributes> placements() {
        return placements;
    }

    @Override
    public OptionalInt placementHere() {
        return loops.indexHere();
    }

    /** Runs a stream on {@code loop}'s thread. */
    private Attributes on(EventLoop loop) {
        return ActorAttributes.dispatcher(loops.dispatcherOf(loop));
    }

    @Override
    public Source<Incoming, CompletionStage<Binding>> bind(String host, int port, int backlog, SocketOptions options) {
        return Source.fromGraph(new NettyListener(this, host, port, backlog, options));
    }

    @Override
    public Flow<ByteString, ByteString, CompletionStage<Connected>> connect(InetSocketAddress to,
            Optional<InetSocketAddress> from, SocketOptions options, Duration connectTimeout) {
        return Flow.fromGraph(new NettyConnection(new NettyConnection.Dial(loops, to, from, options, connectTimeout)));
    }

    Incoming incoming(SocketChannel channel) {
        return new Incoming() {
            @Override
            public InetSocketAddress remoteAddress() {
                return channel.remoteAddress();
            }

            @Override
            public <M> M handleWith(Flow<ByteString, ByteString, M> handler) {
                return Flow.fromGraph(new NettyConnection(new NettyConnection.Accepted(channel)))
                        .joinMat(handler, Keep.right())
                        .withAttributes(colocated())
                        .run(materializer);
            }

            @Override
            public Attributes colocated() {
                return on(channel.eventLoop());
            }
        };
    }
}
