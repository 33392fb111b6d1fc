package io.cloakmesh.protocol.rediscluster;

import java.util.List;

/** A primary and its replicas, and the slots they serve (none while the shard is empty). */
public record Shard(List<SlotRange> slots, List<RedisNode> nodes) {
}
