package io.cloakmesh.node.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.cloakmesh.node.testing.Poll;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import redis.clients.jedis.Jedis;

/**
 * Warm links between four real nodes: a1 and a2 each keep two per exporter (b1, b2), as the exits see
 * them (links past the handshake that asked for nothing yet); a client's open uses one, which is then
 * replaced; unused ones expire after warm-idle; a draining exit closes its own and gets no new ones.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WarmLinksIT {
    /** Two entries (a1, a2) with two warm links each. */
    private static final int PER_EXIT = 4;
    private static final Duration WARM_IDLE = Duration.ofSeconds(4);
    private TestMesh mesh;

    @BeforeAll
    void startMesh() throws Exception {
        mesh = new TestMesh("cloakmesh-warm-it", false,
                node -> "  link { warm-links = 2, warm-idle = " + WARM_IDLE.toSeconds() + "s }\n");
    }

    @AfterAll
    void stopMesh() throws Exception {
        mesh.close();
    }

    /** The client addresses of the links at {@code exit} that wait for an open request. */
    private static Set<String> warmAt(MeshNodeProcess exit) {
        return linksAt(exit, "(warm)");
    }

    /** The client addresses (entry side) of {@code exit}'s links whose service is {@code service}. */
    private static Set<String> linksAt(MeshNodeProcess exit, String service) {
        Set<String> links = new TreeSet<>();
        try {
            for (JsonNode c : exit.get("/v1/connections").get("connections")) {
                if (c.get("node").asText().equals(exit.name) && c.get("role").asText().equals("export")
                        && c.get("service").asText().equals(service)) {
                    links.add(c.get("client").asText());
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return links;
    }

    @Test
    @Order(1)
    void aClientOpensOverAWarmLinkWhichIsThenReplaced() throws Exception {
        for (MeshNodeProcess exit : List.of(mesh.b1, mesh.b2)) {
            Poll.until(Duration.ofSeconds(30), PER_EXIT + " warm links at " + exit.name, () -> warmAt(exit).size() == PER_EXIT);
        }
        Set<String> before = new HashSet<>(warmAt(mesh.b1));
        before.addAll(warmAt(mesh.b2));
        try (Jedis client = new Jedis("127.0.0.1", mesh.a1.importPort)) {
            assertEquals("PONG", client.ping());
            Set<String> used = new HashSet<>(linksAt(mesh.b1, "redis"));
            used.addAll(linksAt(mesh.b2, "redis"));
            assertEquals(1, used.size(), "one link serves the client: " + used);
            assertTrue(before.containsAll(used), "the client's link " + used + " was one of the warm links " + before);
            for (MeshNodeProcess exit : List.of(mesh.b1, mesh.b2)) {
                Poll.until(Duration.ofSeconds(10), "warm links at " + exit.name + " refilled", () -> {
                    Set<String> now = warmAt(exit);
                    return now.size() == PER_EXIT && !now.containsAll(used);
                });
            }
        }
    }

    @Test
    @Order(2)
    void unusedWarmLinksAreReplacedAfterWarmIdle() throws Exception {
        Set<String> before = warmAt(mesh.b1);
        Poll.until(WARM_IDLE.multipliedBy(4), "every warm link at b1 replaced", () -> {
            Set<String> now = warmAt(mesh.b1);
            return now.size() == PER_EXIT && now.stream().noneMatch(before::contains);
        });
    }

    @Test
    @Order(3)
    void aDrainingExitClosesItsWarmLinksAndGetsNoNewOnes() throws Exception {
        int before = TestMesh.counter(mesh.b2, "export", "total");
        mesh.b2.post("/v1/nodes/b2/drain");
        Poll.until(Duration.ofSeconds(10), "b2 without warm links", () -> warmAt(mesh.b2).isEmpty());
        for (MeshNodeProcess entry : List.of(mesh.a1, mesh.a2)) {
            Poll.until(TestMesh.CONVERGE, entry.name + " seeing b2 draining",
                    () -> TestMesh.exporters(entry).getOrDefault("b2", "").startsWith("DRAINING"));
        }
        for (int i = 0; i < 10; i++) {
            try (Jedis client = new Jedis("127.0.0.1", mesh.a1.importPort)) {
                assertEquals("PONG", client.ping());
            }
        }
        // Ten opens later (each one refills a pool), still nothing at b2: the entries dial it no more.
        assertEquals(Set.of(), warmAt(mesh.b2));
        assertEquals(before, TestMesh.counter(mesh.b2, "export", "total"), "no open at the draining exit");
        mesh.b2.delete("/v1/nodes/b2/drain");
        Poll.until(Duration.ofSeconds(60), "warm links at b2 again", () -> warmAt(mesh.b2).size() == PER_EXIT);
    }
}
