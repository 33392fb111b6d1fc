package io.cloakmesh.node.transport;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.SourceShape;
import org.apache.pekko.stream.StreamTcpException;
import org.apache.pekko.stream.stage.AbstractGraphStageWithMaterializedValue;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.GraphStageLogic;

/**
 * A listening socket as a source of accepted connections. Accepting follows demand: the server
 * channel reads (accepts) only when the source is pulled and nothing accepted is waiting, so a consumer
 * that stops pulling (a connection limit) leaves new clients in the kernel's backlog. Each accepted
 * channel is registered with one of the loops and handed out not yet reading.
 */
final class NettyListener extends AbstractGraphStageWithMaterializedValue<SourceShape<Transport.Incoming>, CompletionStage<Transport.Binding>> {
    private final Outlet<Transport.Incoming> out = Outlet.create("NettyListener.out");
    private final SourceShape<Transport.Incoming> shape = SourceShape.of(out);
    private final NettyTransport transport;
    private final String host;
    private final int port;
    private final int backlog;
    private final SocketOptions options;

    NettyListener(NettyTransport transport, String host, int port, int backlog, SocketOptions options) {
        this.transport = transport;
        this.host = host;
        this.port = port;
        this.backlog = backlog;
        this.options = options;
    }

    @Override
    public SourceShape<Transport.Incoming> shape() {
        return shape;
    }

    @Override
    public Pair<GraphStageLogic, CompletionStage<Transport.Binding>> createLogicAndMaterializedValuePair(Attributes attributes) {
        Logic logic = new Logic();
        return Pair.create(logic, logic.bound);
    }

    private final class Logic extends GraphStageLogic {
        private final CompletableFuture<Transport.Binding> bound = new CompletableFuture<>();
        /** Accepted and not yet handed out: at most one accept loop's worth (one pull's). */
        private final ArrayDeque<SocketChannel> accepted = new ArrayDeque<>();
        private Channel server;
        private ChannelFuture binding;

        Logic() {
            super(shape);
            setHandler(out, new AbstractOutHandler() {
                @Override
                public void onPull() {
                    deliver();
                }
            });
        }

        @Override
        public void preStart() {
            AsyncCallback<SocketChannel> onAccepted = createAsyncCallback(channel -> {
                accepted.add(channel);
                deliver();
            });
            AsyncCallback<ChannelFuture> onBound = createAsyncCallback(this::bound);
            ServerBootstrap bootstrap = new ServerBootstrap()
                    .group(transport.loops().group())
                    .channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, backlog)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .option(ChannelOption.AUTO_READ, false)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel channel) {
                            onAccepted.invoke(channel);
                        }
                    });
            NettyConnection.options(options, bootstrap::childOption);
            binding = bootstrap.bind(host, port);
            binding.addListener((ChannelFutureListener) onBound::invoke);
        }

        private void bound(ChannelFuture future) {
            if (!future.isSuccess()) {
                StreamTcpException failure = new StreamTcpException("bind to " + host + ":" + port + " failed: "
                        + future.cause().getMessage());
                failure.initCause(future.cause());
                bound.completeExceptionally(failure);
                failStage(failure);
                return;
            }
            server = future.channel();
            AsyncCallback<Done> unbound = createAsyncCallback(done -> completeStage());
            bound.complete(new Transport.Binding() {
                @Override
                public InetSocketAddress localAddress() {
                    return (InetSocketAddress) server.localAddress();
                }

                @Override
                public CompletionStage<Done> unbind() {
                    CompletableFuture<Done> closed = new CompletableFuture<>();
                    server.close().addListener(f -> {
                        unbound.invoke(Done.getInstance());
                        closed.complete(Done.getInstance());
                    });
                    return closed;
                }
            });
            deliver();
        }

        private void deliver() {
            if (!isAvailable(out)) {
                return;
            }
            if (!accepted.isEmpty()) {
                push(out, transport.incoming(accepted.poll()));
            } else if (server != null && server.isOpen()) {
                server.read();
            }
        }

        @Override
        public void postStop() {
            if (server != null) {
                server.close();
            } else if (binding != null) {
                binding.channel().close();
            }
            accepted.forEach(Channel::close);
            accepted.clear();
        }
    }
}
