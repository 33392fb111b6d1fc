package io.cloakmesh.node.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.NetUtil;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.StreamTcpException;
import org.apache.pekko.stream.stage.AbstractGraphStageWithMaterializedValue;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.util.ByteString;

/**
 * One TCP connection on a Netty channel as a flow: elements in are written (each flushed at once),
 * bytes read come out, one element per read of the socket. Reading is backpressured with the channel's
 * autoRead and two water marks, not a read() per element, which would re-arm the selector every time;
 * writing pulls again only while the channel is writable. Half-close both ways: upstream completion
 * shuts the socket's output once what was written is sent, the peer's EOF completes the output port.
 * Upstream failure aborts the connection with a reset.
 *
 * <p>An accepted channel comes registered and not yet reading; a dialled one is connected on the loop
 * the stage runs on, when that is one ({@link EventLoops#currentOrNext}), so both sockets of a relayed
 * connection share a thread.
 */
final class NettyConnection extends AbstractGraphStageWithMaterializedValue<FlowShape<ByteString, ByteString>, CompletionStage<Transport.Connected>> {
    /** Read bytes held for a downstream that has not pulled: past the high mark reading pauses. */
    static final int READ_HIGH_WATER = 128 * 1024;
    static final int READ_LOW_WATER = 32 * 1024;
    static final WriteBufferWaterMark WRITE_WATER = new WriteBufferWaterMark(64 * 1024, 256 * 1024);

    /** How the channel comes about. */
    sealed interface Opening {
    }

    /** A channel the listener accepted, registered with its loop, autoRead off. */
    record Accepted(SocketChannel channel) implements Opening {
    }

    /** A connection to make when the stage starts. */
    record Dial(EventLoops loops, InetSocketAddress to, Optional<InetSocketAddress> from, SocketOptions options,
            Duration connectTimeout) implements Opening {
    }

    private final Inlet<ByteString> in = Inlet.create("NettyConnection.in");
    private final Outlet<ByteString> out = Outlet.create("NettyConnection.out");
    private final FlowShape<ByteString, ByteString> shape = FlowShape.of(in, out);
    private final Opening opening;

    NettyConnection(Opening opening) {
        this.opening = opening;
    }

    /** The options every stream's channel gets, accepted or dialled: given to {@code set} (a bootstrap's option setter). */
    @SuppressWarnings("unchecked")
    static void options(SocketOptions options, BiConsumer<ChannelOption<Object>, Object> set) {
        options.applyTo(set);
        set.accept((ChannelOption<Object>) (ChannelOption<?>) ChannelOption.ALLOW_HALF_CLOSURE, true);
        set.accept((ChannelOption<Object>) (ChannelOption<?>) ChannelOption.WRITE_BUFFER_WATER_MARK, WRITE_WATER);
        // Reading starts once the stage is there to take the bytes.
        set.accept((ChannelOption<Object>) (ChannelOption<?>) ChannelOption.AUTO_READ, false);
    }

    @Override
    public FlowShape<ByteString, ByteString> shape() {
        return shape;
    }

    @Override
    public Pair<GraphStageLogic, CompletionStage<Transport.Connected>> createLogicAndMaterializedValuePair(Attributes attributes) {
        Logic logic = new Logic();
        return Pair.create(logic, logic.connected);
    }

    private final class Logic extends GraphStageLogic {
        private final CompletableFuture<Transport.Connected> connected = new CompletableFuture<>();
        private SocketChannel channel;
        private ChannelFuture connecting;
        /** Read and not yet pushed. */
        private ByteString readBuffer = ByteString.emptyByteString();
        private boolean reading;
        private boolean peerFinished;
        private boolean awaitingWritable;
        private boolean failed;
        private AsyncCallback<ByteString> onRead;
        private AsyncCallback<Event> onEvent;
        private final Bridge bridge = new Bridge();
        private AsyncCallback<Throwable> onFailure;

        Logic() {
            super(shape);
            setHandler(in, new AbstractInHandler() {
                @Override
                public void onPush() {
                    // Straight into a pooled direct buffer: one copy, where wrapping the array would cost Netty
                    // a second one into a direct buffer on write (and toArrayUnsafe a first on a rope).
                    ByteString bytes = grab(in);
                    ByteBuf out = channel.alloc().directBuffer(bytes.length());
                    for (ByteBuffer part : bytes.getByteBuffers()) {
                        out.writeBytes(part);
                    }
                    channel.writeAndFlush(out, channel.voidPromise());
                    if (channel.isWritable()) {
                        pull(in);
                    } else {
                        awaitingWritable = true;
                    }
                }

                @Override
                public void onUpstreamFinish() {
                    if (channel != null) {
                        shutdownOutput();
                    }
                    finishIfDone();
                }

                @Override
                public void onUpstreamFailure(Throwable cause) {
                    failed = true;
                    failStage(cause);
                }
            });
            setHandler(out, new AbstractOutHandler() {
                @Override
                public void onPull() {
                    deliver();
                }

                @Override
                public void onDownstreamFinish(Throwable cause) {
                    if (channel != null && !isClosed(in)) {
                        channel.shutdownInput();  // keep writing: the other direction may still be going
                    } else {
                        finishIfDone();
                    }
                }
            });
        }

        @Override
        public void preStart() {
            onRead = createAsyncCallback(this::received);
            onEvent = createAsyncCallback(event -> {
                switch (event) {
                    case WRITABLE -> writable();
                    case PEER_FINISHED -> peerFinished();
                    case CLOSED -> closed();
                }
            });
            onFailure = createAsyncCallback(this::failed);
            if (opening instanceof Accepted accepted) {
                attach(accepted.channel());
            } else {
                dial((Dial) opening);
            }
        }

        private void dial(Dial dial) {
            AsyncCallback<ChannelFuture> onConnected = createAsyncCallback(this::connected);
            Bootstrap bootstrap = new Bootstrap()
                    .group(dial.loops().currentOrNext())
                    .channel(NioSocketChannel.class)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, dial.connectTimeout().toMillis()))
                    .handler(bridge);
            options(dial.options(), bootstrap::option);
            InetSocketAddress to = dial.to();
            if (to.isUnresolved() && NetUtil.createByteArrayFromIpAddressString(to.getHostString()) != null) {
                to = new InetSocketAddress(to.getHostString(), to.getPort());  // a literal: nothing to look up
            }
            if (to.isUnresolved()) {
                // Name resolution blocks: off the loop, then connect.
                AsyncCallback<Object> resolved = createAsyncCallback(result -> {
                    if (result instanceof InetSocketAddress address) {
                        connect(bootstrap, address, dial, onConnected);
                    } else {
                        failed((Throwable) result);
                    }
                });
                CompletableFuture.supplyAsync(() -> new InetSocketAddress(dial.to().getHostString(), dial.to().getPort()),
                                dial.loops().resolver())
                        .whenComplete((address, failure) -> resolved.invoke(failure != null ? failure
                                : address.isUnresolved() ? new UnknownHostException(dial.to().getHostString()) : address));
            } else {
                connect(bootstrap, to, dial, onConnected);
            }
        }

        private void connect(Bootstrap bootstrap, InetSocketAddress to, Dial dial, AsyncCallback<ChannelFuture> onConnected) {
            connecting = dial.from().isPresent() ? bootstrap.connect(to, dial.from().get()) : bootstrap.connect(to);
            connecting.addListener((ChannelFutureListener) onConnected::invoke);
        }

        private void connected(ChannelFuture future) {
            if (!future.isSuccess()) {
                failed(future.cause());
                return;
            }
            attach((SocketChannel) future.channel());
        }

        private void attach(SocketChannel ch) {
            channel = ch;
            if (opening instanceof Accepted) {
                ch.pipeline().addLast(bridge);
            }
            connected.complete(new Transport.Connected(ch.localAddress(), ch.remoteAddress()));
            if (isClosed(out)) {
                ch.shutdownInput();
            } else {
                resumeReading();
            }
            if (isClosed(in)) {
                shutdownOutput();
            } else {
                pull(in);
            }
        }

        /** After what was written is sent: shutting the output down fails writes still queued. */
        private void shutdownOutput() {
            SocketChannel ch = channel;
            ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> ch.shutdownOutput());
        }

        private void received(ByteString bytes) {
            if (isClosed(out)) {
                return;  // the input was shut down; bytes already on their way are dropped, as with shutdown(SHUT_RD)
            }
            readBuffer = readBuffer.concat(bytes);
            if (isAvailable(out)) {
                deliver();
            }
            if (reading && readBuffer.length() >= READ_HIGH_WATER) {
                reading = false;
                channel.config().setAutoRead(false);
            }
        }

        private void deliver() {
            if (!readBuffer.isEmpty()) {
                push(out, readBuffer);
                readBuffer = ByteString.emptyByteString();
            }
            if (peerFinished && readBuffer.isEmpty()) {
                if (!isClosed(out)) {
                    complete(out);
                }
                finishIfDone();
            } else if (!reading && channel != null && readBuffer.length() <= READ_LOW_WATER) {
                resumeReading();
            }
        }

        private void resumeReading() {
            reading = true;
            channel.config().setAutoRead(true);
        }

        private void writable() {
            if (awaitingWritable && !isClosed(in)) {
                awaitingWritable = false;
                pull(in);
            }
        }

        private void peerFinished() {
            peerFinished = true;
            if (isAvailable(out) || readBuffer.isEmpty()) {
                deliver();
            }
        }

        /** The socket closed under us: the end, if both directions had finished; otherwise a failure. */
        private void closed() {
            if (!(peerFinished && isClosed(in))) {
                failed(new IOException("connection closed"));
            }
        }

        private void failed(Throwable cause) {
            failed = true;
            connected.completeExceptionally(cause);
            StreamTcpException failure = new StreamTcpException(describe(cause));
            failure.initCause(cause);
            failStage(failure);
        }

        /** Both directions are over: the stage stops, and postStop closes the socket. */
        private void finishIfDone() {
            if (isClosed(in) && isClosed(out)) {
                completeStage();
            }
        }

        @Override
        public void postStop() {
            connected.completeExceptionally(new StreamTcpException("connection stage stopped before it connected"));
            bridge.stopped = true;
            if (channel == null) {
                if (connecting != null) {
                    connecting.channel().close();
                }
                return;
            }
            if (failed) {
                // An abort: a reset, so the peer knows the stream is broken rather than complete.
                if (channel.isOpen()) {
                    channel.config().setOption(ChannelOption.SO_LINGER, 0);
                }
                channel.close();
            } else {
                channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            }
        }

        /**
         * The channel's end of the bridge, on its loop: the buffers of one read are joined into one element
         * (one copy, then released); events become async callbacks into the stage.
         */
        private final class Bridge extends ChannelInboundHandlerAdapter {
            private final List<ByteBuf> batch = new ArrayList<>();
            private int batchBytes;
            /** Set once the stage has stopped: then bytes are released and events dropped. */
            private volatile boolean stopped;

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ByteBuf buf = (ByteBuf) msg;
                if (stopped) {
                    buf.release();
                    return;
                }
                batch.add(buf);
                batchBytes += buf.readableBytes();
            }

            @Override
            public void channelReadComplete(ChannelHandlerContext ctx) {
                flushBatch();
            }

            private void flushBatch() {
                if (batch.isEmpty()) {
                    return;
                }
                byte[] bytes = new byte[batchBytes];
                int at = 0;
                for (ByteBuf buf : batch) {
                    int n = buf.readableBytes();
                    buf.readBytes(bytes, at, n);
                    at += n;
                    buf.release();
                }
                batch.clear();
                batchBytes = 0;
                if (bytes.length > 0 && !stopped) {
                    onRead.invoke(ByteString.fromArrayUnsafe(bytes));
                }
            }

            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
                if (event instanceof ChannelInputShutdownEvent) {
                    flushBatch();
                    event(Event.PEER_FINISHED);
                }
            }

            @Override
            public void channelWritabilityChanged(ChannelHandlerContext ctx) {
                if (ctx.channel().isWritable()) {
                    event(Event.WRITABLE);
                }
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                release();
                if (!stopped) {
                    onFailure.invoke(cause);
                }
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                release();
                event(Event.CLOSED);
            }

            @Override
            public void handlerRemoved(ChannelHandlerContext ctx) {
                release();
            }

            private void event(Event event) {
                if (!stopped) {
                    onEvent.invoke(event);
                }
            }

            private void release() {
                batch.forEach(ByteBuf::release);
                batch.clear();
                batchBytes = 0;
            }
        }
    }

    /** What the channel tells the stage, besides bytes and failures. */
    private enum Event {
        WRITABLE,
        PEER_FINISHED,
        CLOSED
    }

    private static String describe(Throwable cause) {
        String message = cause.getMessage();
        return message == null ? cause.getClass().getSimpleName() : message;
    }
}
