package io.cloakmesh.node.rediscluster;

import io.cloakmesh.node.config.HostPort;
import io.cloakmesh.node.config.RedisCredentials;
import io.cloakmesh.node.net.Failures;
import io.cloakmesh.node.redis.RedisExchange;
import io.cloakmesh.node.tls.ReloadingTls;
import io.cloakmesh.protocol.rediscluster.RedisTopology;
import io.cloakmesh.protocol.rediscluster.TopologyParser;
import io.cloakmesh.protocol.resp.RespValue;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.ClassicActorSystemProvider;

/**
 * Reads a Redis Cluster's topology from the first of its seed nodes that answers: CLUSTER SHARDS
 * (Redis 7+), or CLUSTER SLOTS where SHARDS is unknown, after AUTH when the cluster needs it. One short
 * connection per read, with a deadline; a failure says which seeds were tried and why.
 */
public final class TopologyReader {
    /** The largest topology reply read: CLUSTER SHARDS of ~1000 nodes is a few hundred KiB. */
    private static final int MAX_REPLY = 16 * 1024 * 1024;

    private final RedisExchange redis;
    private final boolean tls;

    public TopologyReader(ClassicActorSystemProvider system, Duration timeout, Optional<RedisCredentials> credentials,
            Optional<ReloadingTls> tls) {
        this.redis = new RedisExchange(system, timeout, credentials, MAX_REPLY, tls);
        this.tls = tls.isPresent();
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
        return redis.ask(seed, "CLUSTER", "SHARDS").thenCompose(shards -> {
            try {
                if (shards instanceof RespValue.Error error) {
                    if (!error.text().toLowerCase(java.util.Locale.ROOT).contains("unknown subcommand")) {
                        throw new TopologyUnavailableException(error.text());
                    }
                    return redis.ask(seed, "CLUSTER", "SLOTS").thenApply(slots -> {
                        try {
                            return TopologyParser.fromSlots(slots, tls);
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
}
