package io.cloakmesh.node.transport;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.ClassicActorSystemProvider;
import org.apache.pekko.io.Inet;
import org.apache.pekko.io.TcpSO;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.Tcp;
import org.apache.pekko.util.ByteString;

/**
 * {@link Transport} on Pekko IO: readiness on the selector thread, a connection actor per socket and
 * messages between them and the stream (see docs/architecture.md, "Transport").
 */
public final class PekkoIoTransport implements Transport {
    private final ClassicActorSystemProvider system;

    public PekkoIoTransport(ClassicActorSystemProvider system) {
        this.system = system;
    }

    @Override
    public TransportKind kind() {
        return TransportKind.PEKKO_IO;
    }

    @Override
    public List<Attributes> placements() {
        return List.of(Attributes.none());
    }

    @Override
    public OptionalInt placementHere() {
        return OptionalInt.empty();
    }

    @Override
    public Source<Incoming, CompletionStage<Binding>> bind(String host, int port, int backlog, SocketOptions options) {
        return Tcp.get(system).bind(host, port, backlog, pekkoOptions(options), true, Optional.empty())
                .<Incoming>map(connection -> new Incoming() {
                    @Override
                    public InetSocketAddress remoteAddress() {
                        return connection.remoteAddress();
                    }

                    @Override
                    public <M> M handleWith(Flow<ByteString, ByteString, M> handler) {
                        return connection.handleWith(handler, system);
                    }

                    @Override
                    public Attributes colocated() {
                        return Attributes.none();
                    }
                })
                .mapMaterializedValue(bound -> bound.thenApply(binding -> new Binding() {
                    @Override
                    public InetSocketAddress localAddress() {
                        return binding.localAddress();
                    }

                    @Override
                    public CompletionStage<Done> unbind() {
                        return binding.unbind().thenApply(x -> Done.getInstance());
                    }
                }));
    }

    @Override
    public Flow<ByteString, ByteString, CompletionStage<Connected>> connect(InetSocketAddress to,
            Optional<InetSocketAddress> from, SocketOptions options, Duration connectTimeout) {
        return Tcp.get(system)
                .outgoingConnection(to, from, pekkoOptions(options), true, Optional.of(connectTimeout), Optional.empty())
                .mapMaterializedValue(connecting -> connecting.thenApply(c -> new Connected(c.localAddress(), c.remoteAddress())));
    }

    private static List<Inet.SocketOption> pekkoOptions(SocketOptions options) {
        return List.of(TcpSO.tcpNoDelay(true), TcpSO.keepAlive(options.keepAlive()));
    }
}
