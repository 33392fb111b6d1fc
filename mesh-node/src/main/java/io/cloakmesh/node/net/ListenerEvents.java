package io.cloakmesh.node.net;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * What a node's listeners turned away or failed at, by listener and reason, for the metrics: the events
 * an attacker can cause at will are logged only now and then, so these counts are the full record.
 */
public final class ListenerEvents {
    private final Map<Key, LongAdder> counts = new ConcurrentHashMap<>();

    private record Key(String listener, String reason) {
    }

    /** One count: {@code listener} is "cluster", "link", an import's name...; {@code reason} a short word. */
    public record Count(String listener, String reason, long count) {
    }

    public void count(String listener, String reason) {
        counts.computeIfAbsent(new Key(listener, reason), k -> new LongAdder()).increment();
    }

    public List<Count> snapshot() {
        return counts.entrySet().stream()
                .map(e -> new Count(e.getKey().listener(), e.getKey().reason(), e.getValue().sum()))
                .sorted(Comparator.comparing(Count::listener).thenComparing(Count::reason))
                .toList();
    }
}
