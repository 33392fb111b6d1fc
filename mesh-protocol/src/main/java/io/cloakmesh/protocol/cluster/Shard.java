package io.cloakmesh.protocol.cluster;

import java.util.List;

/** A primary and its replicas, and the slots they serve (none while the shard is empty). */
public record Shard(List<SlotRange> slots, List<ClusterNode> nodes) {
}
