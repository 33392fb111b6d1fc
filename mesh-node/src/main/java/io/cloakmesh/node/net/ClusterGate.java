package io.cloakmesh.node.net;

import io.cloakmesh.crypto.tls.ClientHello;
import io.cloakmesh.node.logging.LogRateLimit;
import io.cloakmesh.node.transport.SocketOptions;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster port. Artery's TLS listener never closes a connection that stays silent or stops halfway
 * through its handshake, so it listens on loopback only and this gate takes the cluster address: each
 * connection must send a TLS ClientHello and complete the handshake with a mesh certificate (which the
 * cluster TLS reports by the hello's client random, {@link #authenticated}) within the handshake timeout,
 * and at most {@code maxHandshakes} wait at once, the oldest closed first. Bytes are relayed unchanged:
 * TLS stays end to end between the nodes.
 */
public final class ClusterGate {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterGate.class);
    static final String LISTENER = "cluster";

    private final Duration handshakeTimeout;
    private final HandshakeBudget budget;
    private final ListenerEvents events;
    private final Map<String, Admission> waiting = new ConcurrentHashMap<>();
    private final LogRateLimit refusals = new LogRateLimit(Duration.ofSeconds(10));
    private final LogRateLimit acceptPauses = new LogRateLimit(Duration.ofSeconds(10));
    /** Every channel of the gate (its listener, connections and relays), closed together. */
    private final ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private volatile InetSocketAddress artery;

    public ClusterGate(Duration handshakeTimeout, int maxHandshakes, ListenerEvents events) {
        this.handshakeTimeout = handshakeTimeout;
        this.budget = new HandshakeBudget("cluster port", maxHandshakes,
                () -> events.count(LISTENER, "handshake-budget"));
        this.events = events;
    }

    /** A TLS handshake with a mesh certificate completed on the connection whose hello had this random. */
    public void authenticated(String clientRandom) {
        Admission admission = waiting.remove(clientRandom);
        if (admission != null) {
            admission.channel.eventLoop().execute(admission::passed);
        }
    }

    /**
     * Listens on {@code listen} and relays to Artery's listener at {@code arteryAddress}, on {@code loops}
     * (the transport's, {@code Transports.eventLoops}); blocks until bound.
     */
    public void bind(InetSocketAddress listen, InetSocketAddress arteryAddress, EventLoopGroup loops)
            throws InterruptedException {
        this.artery = arteryAddress;
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(loops)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 128)
                .handler(new AcceptPause())
                .childOption(ChannelOption.AUTO_READ, true)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        channels.add(ch);
                        ch.pipeline().addLast(new Gatekeeper(new Admission(ch)));
                    }
                });
        SocketOptions.DEFAULT.applyTo(bootstrap::childOption);
        ChannelFuture bound = bootstrap.bind(listen).await();
        if (!bound.isSuccess()) {
            throw new IllegalStateException(Failures.rootMessage(bound.cause()), bound.cause());
        }
        channels.add(bound.channel());
    }

    /** Stops listening and closes every connection, including established ones (Artery is stopping too). */
    public void close() {
        channels.close();
    }

    /** One connection's way through the gate; touched only on its event loop once registered. */
    private final class Admission {
        private final Channel channel;
        private final HandshakeBudget.Pending pending;
        private final ScheduledFuture<?> deadline;
        private String random;
        private boolean passed;

        Admission(Channel channel) {
            this.channel = channel;
            this.pending = budget.admit(((InetSocketAddress) channel.remoteAddress()).getAddress(),
                    () -> channel.eventLoop().execute(channel::close));
            this.deadline = channel.eventLoop().schedule(this::expire, handshakeTimeout.toMillis(), TimeUnit.MILLISECONDS);
            channel.closeFuture().addListener(f -> ended());
        }

        void awaitHandshake(String clientRandom) {
            random = clientRandom;
            waiting.put(clientRandom, this);
        }

        void passed() {
            passed = true;
            deadline.cancel(false);
            pending.done();
        }

        private void expire() {
            if (!passed && channel.isOpen()) {
                refuse("handshake-timeout", "no TLS handshake with a mesh certificate within " + handshakeTimeout.toMillis()
                        + " ms");
            }
        }

        void refuse(String reason, String why) {
            events.count(LISTENER, reason);
            InetSocketAddress peer = (InetSocketAddress) channel.remoteAddress();
            refusals.occurred(skipped -> LOG.warn("cluster port: closed the connection from {}: {}{}", peer, why,
                    skipped > 0 ? " (" + skipped + " more closed since the last line)" : ""));
            channel.close();
        }

        private void ended() {
            deadline.cancel(false);
            pending.done();
            if (random != null) {
                waiting.remove(random, this);
            }
        }
    }

    /** Reads the ClientHello's random, then opens the relay to Artery with the bytes read so far. */
    private final class Gatekeeper extends ChannelInboundHandlerAdapter {
        private final Admission admission;
        private final CompositeByteBuf received = Unpooled.compositeBuffer();

        Gatekeeper(Admission admission) {
            this.admission = admission;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            received.addComponent(true, (ByteBuf) msg);
            if (admission.random != null) {
                return;  // connecting to Artery; autoRead is off, so at most the rest of one read lands here
            }
            Optional<String> random;
            try {
                random = ClientHello.random(received.nioBuffer());
            } catch (ClientHello.NotClientHelloException e) {
                admission.refuse("not-tls", e.getMessage());
                return;
            }
            if (random.isPresent()) {
                admission.awaitHandshake(random.get());
                ctx.channel().config().setAutoRead(false);
                connect(ctx);
            }
        }

        private void connect(ChannelHandlerContext ctx) {
            Channel client = ctx.channel();
            Bootstrap relay = new Bootstrap()
                    .group(client.eventLoop())
                    .channel(NioSocketChannel.class)
                    .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(64 * 1024, 256 * 1024))
                    .handler(new Relay(client));
            SocketOptions.DEFAULT.applyTo(relay::option);
            relay.connect(artery)
                    .addListener((ChannelFutureListener) f -> {
                        if (!f.isSuccess()) {
                            admission.refuse("relay-failed", "cannot reach this node's own cluster listener: "
                                    + Failures.rootMessage(f.cause()));
                            return;
                        }
                        Channel node = f.channel();
                        channels.add(node);
                        client.closeFuture().addListener(c -> node.close());
                        if (!client.isActive()) {
                            return;
                        }
                        node.writeAndFlush(received.retain());
                        ctx.pipeline().replace(this, "relay", new Relay(node));
                        client.config().setAutoRead(true);
                    });
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            received.release();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** Copies what one side reads to the other, reading only while the other side keeps up. */
    private static final class Relay extends ChannelInboundHandlerAdapter {
        private final Channel other;

        Relay(Channel other) {
            this.other = other;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            other.writeAndFlush(msg);
            if (!other.isWritable()) {
                // The other side's Relay turns reading back on when its channel drains.
                ctx.channel().config().setAutoRead(false);
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            other.config().setAutoRead(ctx.channel().isWritable());
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            other.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /**
     * Stops accepting for a while, with a growing back-off, when the process is short of descriptors
     * ({@link DescriptorHeadroom}) or an accept failed anyway (EMFILE; Netty would report it on every
     * selector wake-up); logs now and then, and counts.
     */
    private final class AcceptPause extends ChannelInboundHandlerAdapter {
        private final AcceptBackoff backoff = new AcceptBackoff();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.fireChannelRead(msg);
            if (DescriptorHeadroom.low()) {
                events.count(LISTENER, "fd-limit");
                pause(ctx.channel(), DescriptorHeadroom.describe());
            } else {
                backoff.reset();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            events.count(LISTENER, "accept-failure");
            pause(ctx.channel(), "cannot accept: " + Failures.rootMessage(cause));
        }

        private void pause(Channel channel, String why) {
            if (!channel.config().isAutoRead()) {
                return;
            }
            long pause = resumeLater(channel);
            acceptPauses.occurred(skipped -> LOG.warn("cluster port: {}; not accepting for {} ms{}", why, pause,
                    skipped > 0 ? " (" + skipped + " more pauses since the last line)" : ""));
            channel.config().setAutoRead(false);
        }

        private long resumeLater(Channel channel) {
            long pause = backoff.next();
            channel.eventLoop().schedule(() -> resume(channel), pause, TimeUnit.MILLISECONDS);
            return pause;
        }

        /** Accepting again would take the connections waiting in the backlog at once: only with headroom. */
        private void resume(Channel channel) {
            if (DescriptorHeadroom.low()) {
                resumeLater(channel);
            } else {
                channel.config().setAutoRead(true);
            }
        }
    }
}
