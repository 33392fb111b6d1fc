package io.cloakmesh.node.rediscluster;

import io.cloakmesh.node.config.HostPort;
import io.cloakmesh.node.config.RedisCredentials;
import io.cloakmesh.node.net.Failures;
import io.cloakmesh.node.transport.SocketOptions;
import io.cloakmesh.node.transport.Transports;
import io.cloakmesh.protocol.rediscluster.RedisTopology;
import io.cloakmesh.protocol.rediscluster.TopologyParser;
import io.cloakmesh.protocol.resp.RespFraming;
import io.cloakmesh.protocol.resp.RespLimits;
import io.cloakmesh.protocol.resp.RespProtocolException;
import io.cloakmesh.protocol.resp.RespReader;
import io.cloakmesh.protocol.resp.RespScanner;
import io.cloakmesh.protocol.resp.RespValue;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.ClassicActorSystemProvider;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * Reads a Redis Cluster's topology from the first of its seed nodes that answers: CLUSTER SHARDS
 * (Redis 7+), or CLUSTER SLOTS where SHARDS is unknown, after AUTH when the cluster needs it. One short
 * connection per read, with a deadline; a failure says which seeds were tried and why.
 */
public final class TopologyReader {
    /** The largest topology reply read: CLUSTER SHARDS of ~1000 nodes is a few hundred KiB. */
    private static final int MAX_REPLY = 16 * 1024 * 1024;

    private final ClassicActorSystemProvider system;
    private final Duration timeout;
    private final Optional<RedisCredentials> credentials;

    public TopologyReader(ClassicActorSystemProvider system, Duration timeout, Optional<RedisCredentials> credentials) {
        this.system = system;
        this.timeout = timeout;
        this.credentials = credentials;
    }

    /** A cluster no seed described. */
    public static final class TopologyUnavailableException extends RuntimeException {
        TopologyUnavailableException(String message) {
            super(message);
        }
    }

    /** The topology as the first seed that answers describes it. */
    public CompletionStage<RedisTopology> read(List<HostPort> seeds) {
        CompletableFuture<RedisTopology> result = new CompletableFuture<>();
        tryFrom(seeds, 0, new StringBuilder(), result);
        return result;
    }

    private void tryFrom(List<HostPort> seeds, int index, StringBuilder reasons, CompletableFuture<RedisTopology> result) {
        if (index == seeds.size()) {
            result.completeExceptionally(new TopologyUnavailableException("no seed described the cluster:" + reasons));
            return;
        }
        HostPort seed = seeds.get(index);
        readFrom(seed).whenComplete((topology, failure) -> {
            if (failure == null) {
                result.complete(topology);
            } else {
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
                reasons.append(' ').append(seed).append(": ").append(Failures.rootMessage(cause)).append(';');
                tryFrom(seeds, index + 1, reasons, result);
            }
        });
    }

    private CompletionStage<RedisTopology> readFrom(HostPort seed) {
        return exchange(seed, "CLUSTER", "SHARDS").thenCompose(shards -> {
            try {
                if (shards instanceof RespValue.Error error) {
                    if (!error.text().toLowerCase(java.util.Locale.ROOT).contains("unknown subcommand")) {
                        throw new TopologyUnavailableException(error.text());
                    }
                    return exchange(seed, "CLUSTER", "SLOTS").thenApply(slots -> {
                        try {
                            return TopologyParser.fromSlots(slots, false);
                        } catch (TopologyParser.MalformedTopologyException e) {
                            throw new TopologyUnavailableException("CLUSTER SLOTS: " + e.getMessage());
                        }
                    });
                }
                return CompletableFuture.completedFuture(TopologyParser.fromShards(shards));
            } catch (TopologyParser.MalformedTopologyException e) {
                throw new TopologyUnavailableException("CLUSTER SHARDS: " + e.getMessage());
            }
        });
    }

    /** Sends AUTH (if any) and one command; the command's reply. */
    private CompletionStage<RespValue> exchange(HostPort seed, String... command) {
        ByteString request = ByteString.emptyByteString();
        int replies = 1;
        if (credentials.isPresent()) {
            RedisCredentials c = credentials.get();
            request = c.username().isEmpty() ? frame("AUTH", c.password()) : frame("AUTH", c.username(), c.password());
            replies = 2;
        }
        request = request.concat(frame(command));
        int wanted = replies;
        return Source.single(request)
                .concat(Source.maybe())
                .via(Transports.of(system).connect(InetSocketAddress.createUnresolved(seed.host(), seed.port()), Optional.empty(),
                        SocketOptions.DEFAULT, timeout))
                .via(new RespFraming(RespLimits.DEFAULTS, RespScanner.Direction.REPLIES, MAX_REPLY))
                .take(wanted)
                .completionTimeout(timeout)
                .runWith(Sink.seq(), system)
                .thenApply(frames -> {
                    try {
                        if (frames.size() < wanted) {
                            throw new TopologyUnavailableException("the connection closed before the reply");
                        }
                        if (wanted == 2 && RespReader.read(frames.get(0).asByteBuffer()) instanceof RespValue.Error e) {
                            throw new TopologyUnavailableException("AUTH refused: " + e.text());
                        }
                        return RespReader.read(frames.get(wanted - 1).asByteBuffer());
                    } catch (RespProtocolException e) {
                        throw new TopologyUnavailableException(e.getMessage());
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
