package io.cloakmesh.protocol.cluster;

import java.util.List;
import java.util.Optional;

/** A Redis Cluster's shards, as one node described them at one moment. */
public record ClusterTopology(List<Shard> shards) {

    public List<ClusterNode> nodes() {
        return shards.stream().flatMap(s -> s.nodes().stream()).toList();
    }

    public Optional<ClusterNode> node(String id) {
        return nodes().stream().filter(n -> n.id().equals(id)).findFirst();
    }

    /** The primary serving {@code slot}, if any. */
    public Optional<ClusterNode> primaryFor(int slot) {
        return shards.stream()
                .filter(s -> s.slots().stream().anyMatch(r -> r.start() <= slot && slot <= r.end()))
                .flatMap(s -> s.nodes().stream().filter(ClusterNode::primary))
                .findFirst();
    }
}
