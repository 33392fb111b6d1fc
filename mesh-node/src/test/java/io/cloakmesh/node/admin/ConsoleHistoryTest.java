package io.cloakmesh.node.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloakmesh.node.link.LinkHandshakes;
import io.cloakmesh.node.link.LiveConnections;
import io.cloakmesh.node.link.ServiceCounters;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConsoleHistoryTest {
    /** An import's counters; it hedged twice for every open that failed. */
    private static ServiceCounters.Snapshot importOf(String service, long total, long bytes, long failed, long opened,
            long openNanos) {
        return new ServiceCounters.Snapshot(service, "import", 0, total, bytes, 0, failed == 0 ? Map.of()
                : Map.of("no-exporter", failed), 0, Map.of(), opened, openNanos, 2 * failed, 0);
    }

    private static NodeReport entry(String name, List<ServiceCounters.Snapshot> counters, List<LiveConnections.View> live) {
        return new NodeReport(name, "dc-a", "pekko://cloakmesh@127.0.0.1:1/" + name, false, 0, List.of(), List.of(),
                counters, live, List.of(), List.of(), List.of(), new LinkHandshakes.Snapshot(0, 0, 0, 0), 0);
    }

    private static MeshQuery.Gathered gathered(NodeReport... reports) {
        return new MeshQuery.Gathered(List.of(reports), List.of());
    }

    @Test
    void ratesAreSummedOverEntriesAndTheirRedisClusterEndpoints() {
        ConsoleHistory history = new ConsoleHistory();
        history.add(1_000, gathered(entry("a1", List.of(importOf("redis", 10, 1_000, 0, 10, 10_000_000)), List.of()),
                entry("a2", List.of(importOf("redis/127.0.0.1:7001", 5, 0, 1, 5, 5_000_000)), List.of())), List.of("redis"));
        assertTrue(history.series().getOrDefault("redis", List.of()).isEmpty(), "the first sample only sets the base");

        history.add(3_000, gathered(entry("a1", List.of(importOf("redis", 30, 5_000, 0, 30, 30_000_000)), List.of()),
                entry("a2", List.of(importOf("redis/127.0.0.1:7001", 9, 0, 3, 9, 13_000_000)), List.of())), List.of("redis"));
        ConsoleHistory.Point p = history.series().get("redis").get(0);
        assertEquals(12.0, p.opens(), 1e-9, "(20 + 4) opens over 2 s");
        assertEquals(2_000.0, p.bytes(), 1e-9);
        assertEquals(1.0, p.failures(), 1e-9);
        assertEquals(2.0, p.hedges(), 1e-9, "(6 - 2) hedged opens over 2 s");
        assertEquals(28_000_000 / 1e6 / 24, p.openMillis(), 1e-9, "the mean of the 24 opens between the samples");
    }

    @Test
    void aCounterThatWentDownCountsFromZeroAndTheHistoryIsBounded() {
        ConsoleHistory history = new ConsoleHistory();
        long total = 0;
        for (int i = 0; i <= ConsoleHistory.POINTS + 10; i++) {
            total += 2;
            history.add(1_000L * (i + 1), gathered(entry("a1", List.of(importOf("redis", total, 0, 0, 0, 0)), List.of())),
                    List.of("redis"));
        }
        List<ConsoleHistory.Point> points = history.series().get("redis");
        assertEquals(ConsoleHistory.POINTS, points.size());
        assertEquals(1_000L * (ConsoleHistory.POINTS + 11), points.get(points.size() - 1).at(), "the newest kept, the oldest dropped");

        history.add(1_000L * (ConsoleHistory.POINTS + 12), gathered(entry("a1", List.of(importOf("redis", 3, 0, 0, 0, 0)),
                List.of())), List.of("redis"));
        List<ConsoleHistory.Point> after = history.series().get("redis");
        assertEquals(3.0, after.get(after.size() - 1).opens(), 1e-9, "a restarted node's counter counts from zero");

        history.add(1_000L * (ConsoleHistory.POINTS + 13), gathered(), List.of());
        assertFalse(history.series().containsKey("redis"), "a service gone from the mesh leaves the history");
    }

    @Test
    void edgesGroupAnEntrysConnectionsByTheExitTheyReach() {
        List<LiveConnections.View> live = List.of(
                new LiveConnections.View("redis", "import", "/127.0.0.1:5001", "b1 (127.0.0.1:7001)", 10, 20, 1),
                new LiveConnections.View("redis", "import", "/127.0.0.1:5002", "b1 (127.0.0.1:7001)", 1, 2, 1),
                new LiveConnections.View("redis", "import", "/127.0.0.1:5003", "", 0, 0, 0),
                new LiveConnections.View("redis", "export", "a1", "127.0.0.1:6379", 5, 5, 1));
        MeshQuery.Gathered g = gathered(entry("a1", List.of(), live));
        MeshViews.Members members = new MeshViews.Members(List.of(
                new MeshViews.MemberRow("a1", "pekko://cloakmesh@127.0.0.1:1/a1", "dc-a", "Up", true)), List.of());
        MeshViews.Services services = new MeshViews.Services(List.of(new MeshViews.ServiceRow("redis", List.of(),
                List.of())), List.of());
        ConsoleFrame frame = ConsoleFrame.of(0, "a1", g, members, java.util.Set.of(), services, Map.of(), Map.of());
        assertEquals(List.of(new ConsoleFrame.Edge("a1", "b1", 2, 33)), frame.services().get(0).edges(),
                "two open links to b1; the one still opening and the exit's own connection are not edges");
        assertEquals("up", frame.nodes().get(0).state());
    }
}
