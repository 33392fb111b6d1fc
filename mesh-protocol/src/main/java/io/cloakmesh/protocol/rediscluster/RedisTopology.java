package io.cloakmesh.protocol.rediscluster;

import java.util.List;
import java.util.Optional;

/** A Redis Cluster's shards, as one node described them at one moment. */
public record RedisTopology(List<Shard> shards) {

    public List<RedisNode> nodes() {
        return shards.stream().flatMap(s -> s.nodes().stream()).toList();
    }

    public Optional<RedisNode> node(String id) {
        return nodes().stream().filter(n -> n.id().equals(id)).findFirst();
    }

    /** The primary serving {@code slot}, if any. */
    public Optional<RedisNode> primaryFor(int slot) {
        return shards.stream()
                .filter(s -> s.slots().stream().anyMatch(r -> r.start() <= slot && slot <= r.end()))
                .flatMap(s -> s.nodes().stream().filter(RedisNode::primary))
                .findFirst();
    }
}
