package io.cloakmesh.node.redis;

import io.cloakmesh.node.config.HostPort;
import io.cloakmesh.node.config.RedisCredentials;
import io.cloakmesh.node.tls.ReloadingTls;
import io.cloakmesh.node.tls.TlsStage;
import io.cloakmesh.node.transport.SocketOptions;
import io.cloakmesh.node.transport.Transports;
import io.cloakmesh.protocol.resp.RespFraming;
import io.cloakmesh.protocol.resp.RespLimits;
import io.cloakmesh.protocol.resp.RespProtocolException;
import io.cloakmesh.protocol.resp.RespReader;
import io.cloakmesh.protocol.resp.RespScanner;
import io.cloakmesh.protocol.resp.RespValue;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.ClassicActorSystemProvider;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * One command to a Redis server on a short connection of its own (over TLS when the export has it), after
 * AUTH when credentials are given,
 * with a deadline and a bound on the reply: how the node reads a topology or a command table, never a
 * client's traffic.
 */
public final class RedisExchange {
    private final ClassicActorSystemProvider system;
    private final Duration timeout;
    private final Optional<RedisCredentials> credentials;
    private final int maxReply;
    private final Optional<ReloadingTls> tls;

    /** The exchange failed: no connection, no reply in time, AUTH refused, or a reply that is not RESP. */
    public static final class FailedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        FailedException(String message) {
            super(message);
        }
    }

    /** @param tls the export's TLS to its Redis, if it has one */
    public RedisExchange(ClassicActorSystemProvider system, Duration timeout, Optional<RedisCredentials> credentials,
            int maxReply, Optional<ReloadingTls> tls) {
        this.system = system;
        this.timeout = timeout;
        this.credentials = credentials;
        this.maxReply = maxReply;
        this.tls = tls;
    }

    /** The reply to {@code command} (an error reply included); fails with {@link FailedException}. */
    public CompletionStage<RespValue> ask(HostPort server, String... command) {
        ByteString request = ByteString.emptyByteString();
        int replies = 1;
        if (credentials.isPresent()) {
            RedisCredentials c = credentials.get();
            request = c.username().isEmpty() ? frame("AUTH", c.password()) : frame("AUTH", c.username(), c.password());
            replies = 2;
        }
        request = request.concat(frame(command));
        int wanted = replies;
        Flow<ByteString, ByteString, ?> tcp = Transports.of(system).connect(
                InetSocketAddress.createUnresolved(server.host(), server.port()), Optional.empty(), SocketOptions.DEFAULT, timeout);
        return Source.single(request)
                .concat(Source.maybe())
                .via(tls.<Flow<ByteString, ByteString, ?>>map(t -> TlsStage.client(t, server.host(), server.port()).join(tcp))
                        .orElse(tcp))
                .via(new RespFraming(RespLimits.DEFAULTS, RespScanner.Direction.REPLIES, maxReply))
                .take(wanted)
                .completionTimeout(timeout)
                .runWith(Sink.seq(), system)
                .thenApply(frames -> {
                    try {
                        if (frames.size() < wanted) {
                            throw new FailedException("the connection closed before the reply");
                        }
                        if (wanted == 2 && RespReader.read(frames.get(0).asByteBuffer()) instanceof RespValue.Error e) {
                            throw new FailedException("AUTH refused: " + e.text());
                        }
                        return RespReader.read(frames.get(wanted - 1).asByteBuffer());
                    } catch (RespProtocolException e) {
                        throw new FailedException(e.getMessage());
                    }
                });
    }

    private static ByteString frame(String... words) {
        StringBuilder frame = new StringBuilder("*").append(words.length).append("\r\n");
        for (String w : words) {
            frame.append('$').append(w.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(w).append("\r\n");
        }
        return ByteString.fromString(frame.toString(), StandardCharsets.UTF_8);
    }
}
