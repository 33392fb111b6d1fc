package io.cloakmesh.protocol.rediscluster;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/** What changed between two readings of a cluster, one line per node, for the log an operator reads. */
public final class TopologyDiff {
    private TopologyDiff() {
    }

    public static List<String> lines(Optional<RedisTopology> before, RedisTopology after) {
        Map<String, String> was = before.map(TopologyDiff::describe).orElse(Map.of());
        Map<String, String> now = describe(after);
        List<String> lines = new ArrayList<>();
        now.forEach((id, text) -> {
            String old = was.get(id);
            if (old == null) {
                lines.add("node " + id + " added: " + text);
            } else if (!old.equals(text)) {
                lines.add("node " + id + " changed: " + old + " -> " + text);
            }
        });
        was.keySet().stream().filter(id -> !now.containsKey(id)).sorted()
                .forEach(id -> lines.add("node " + id + " left: was " + was.get(id)));
        return lines;
    }

    /** node id → "ip:port primary online slots 0-5460" (or "replica of ID"). */
    private static Map<String, String> describe(RedisTopology topology) {
        Map<String, String> nodes = new java.util.TreeMap<>();
        for (Shard shard : topology.shards()) {
            String primary = shard.nodes().stream().filter(RedisNode::primary).map(RedisNode::id).findFirst().orElse("?");
            String slots = shard.slots().stream().map(r -> r.start() == r.end() ? "" + r.start() : r.start() + "-" + r.end())
                    .collect(Collectors.joining(","));
            Function<RedisNode, String> role = n -> n.primary()
                    ? "primary" + (slots.isEmpty() ? " (no slots)" : " of slots " + slots)
                    : "replica of " + primary;
            for (RedisNode n : shard.nodes()) {
                nodes.put(n.id(), n.ip() + ":" + n.port() + " " + role.apply(n) + " " + n.health());
            }
        }
        return nodes;
    }
}
