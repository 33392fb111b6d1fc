package io.cloakmesh.node.mesh;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloakmesh.node.testing.Poll;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import redis.clients.jedis.Jedis;

/**
 * Four real nodes (a1, a2 in dc-a importing; b1, b2 in dc-b exporting) and a real redis-server, each node
 * its own JVM started by scripts/mesh-node. The tests run in order on one cluster: convergence, traffic,
 * draining, a graceful leave, then a crash.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MeshIT {
    private static final Duration CONVERGE = TestMesh.CONVERGE;
    private TestMesh mesh;
    private int redisPort;
    private MeshNodeProcess a1;
    private MeshNodeProcess a2;
    private MeshNodeProcess b1;
    private MeshNodeProcess b2;
    private List<MeshNodeProcess> nodes;

    @BeforeAll
    void startMesh() throws Exception {
        mesh = new TestMesh("cloakmesh-mesh-it");
        redisPort = mesh.redisPort;
        a1 = mesh.a1;
        a2 = mesh.a2;
        b1 = mesh.b1;
        b2 = mesh.b2;
        nodes = mesh.nodes;
    }

    @AfterAll
    void stopMesh() throws Exception {
        mesh.close();
    }

    @Test
    @Order(1)
    void routingTableConvergesOnEveryNode() {
        for (MeshNodeProcess o : nodes) {
            Map<String, String> seen = TestMesh.exporters(o);
            assertEquals("ACTIVE reachable " + b1.linkPort, seen.get("b1"), o.name + " sees " + seen);
            assertEquals("ACTIVE reachable " + b2.linkPort, seen.get("b2"), o.name + " sees " + seen);
            assertEquals(2, seen.size(), o.name + " sees " + seen);
        }
    }

    @Test
    @Order(2)
    void redisTrafficFlowsFromDcAToDcB() {
        byte[] big = new byte[1 << 20];
        new SecureRandom().nextBytes(big);
        try (Jedis viaA1 = new Jedis("127.0.0.1", a1.importPort); Jedis viaA2 = new Jedis("127.0.0.1", a2.importPort);
                Jedis direct = new Jedis("127.0.0.1", redisPort)) {
            for (int i = 0; i < 200; i++) {
                assertEquals("OK", viaA1.set("traffic:" + i, "value " + i));
            }
            for (int i = 0; i < 200; i++) {
                assertEquals("value " + i, viaA2.get("traffic:" + i));
                assertEquals("value " + i, direct.get("traffic:" + i));
            }
            viaA1.set("traffic:big".getBytes(), big);
            assertArrayEquals(big, viaA2.get("traffic:big".getBytes()));
        }
        assertTrue(TestMesh.counter(a1, "import", "bytesToService") > 1 << 20);
        assertTrue(TestMesh.counter(a2, "import", "bytesFromService") > 1 << 20);
        assertTrue(TestMesh.counter(b1, "export", "total") + TestMesh.counter(b2, "export", "total") >= 2);
    }

    @Test
    @Order(2)
    void whenTheServiceClosesFirstTheClientsLaterMessagesStillArrive() throws Exception {
        try (ServerSocket service = new ServerSocket(mesh.halfServicePort, 10, InetAddress.getLoopbackAddress())) {
            CompletableFuture<String> received = CompletableFuture.supplyAsync(() -> {
                try (Socket s = service.accept()) {
                    s.setSoTimeout(30_000);
                    String request = new String(s.getInputStream().readNBytes(6));
                    s.getOutputStream().write(("reply to " + request).getBytes());
                    s.shutdownOutput();
                    return new String(s.getInputStream().readAllBytes());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            try (Socket client = new Socket("127.0.0.1", mesh.halfImportPort)) {
                client.setSoTimeout(30_000);
                client.getOutputStream().write("first\n".getBytes());
                assertEquals("reply to first\n", new String(client.getInputStream().readAllBytes()), "data, then EOF");
                client.getOutputStream().write("later\n".getBytes());
                client.getOutputStream().write("and later still\n".getBytes());
                client.shutdownOutput();
                assertEquals("later\nand later still\n", received.get(30, TimeUnit.SECONDS));
            }
        }
    }

    @Test
    @Order(2)
    void whenTheClientClosesFirstTheServicesAnswerStillArrives() throws Exception {
        byte[] answer = new byte[3 << 20];
        new SecureRandom().nextBytes(answer);
        try (ServerSocket service = new ServerSocket(mesh.halfServicePort, 10, InetAddress.getLoopbackAddress())) {
            CompletableFuture<String> received = CompletableFuture.supplyAsync(() -> {
                try (Socket s = service.accept()) {
                    s.setSoTimeout(30_000);
                    String request = new String(s.getInputStream().readAllBytes());
                    s.getOutputStream().write(answer);
                    return request;
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            try (Socket client = new Socket("127.0.0.1", mesh.halfImportPort)) {
                client.setSoTimeout(30_000);
                client.getOutputStream().write("the whole request".getBytes());
                client.shutdownOutput();
                assertArrayEquals(answer, client.getInputStream().readAllBytes());
                assertEquals("the whole request", received.get(30, TimeUnit.SECONDS));
            }
        }
    }

    @Test
    @Order(3)
    void drainingExporterFinishesOpenConnectionsWhileNewOnesAvoidIt() throws Exception {
        List<Jedis> open = new ArrayList<>();
        try {
            for (int i = 0; i < 6; i++) {
                Jedis j = new Jedis("127.0.0.1", a1.importPort);
                assertEquals("PONG", j.ping());
                open.add(j);
            }
            Poll.until(Duration.ofSeconds(10), "6 links counted at the exits",
                    () -> TestMesh.counter(b1, "export", "active") + TestMesh.counter(b2, "export", "active") == 6);
            int onB2 = TestMesh.counter(b2, "export", "active");
            assertTrue(onB2 >= 1, "links are spread over both exporters, b2 has " + onB2);

            assertTrue(a1.post("/v1/nodes/b2/drain").get("draining").asBoolean(), "drained through another node");
            for (MeshNodeProcess o : List.of(a1, a2)) {
                Poll.until(CONVERGE, o.name + " seeing b2 draining",
                        () -> TestMesh.exporters(o).getOrDefault("b2", "").startsWith("DRAINING"));
            }
            int b2Total = TestMesh.counter(b2, "export", "total");
            int b1Total = TestMesh.counter(b1, "export", "total");
            for (int i = 0; i < 10; i++) {
                try (Jedis j = new Jedis("127.0.0.1", (i % 2 == 0 ? a1 : a2).importPort)) {
                    assertEquals("OK", j.set("drain:" + i, "v" + i));
                    assertEquals("v" + i, j.get("drain:" + i));
                }
            }
            assertEquals(b2Total, TestMesh.counter(b2, "export", "total"), "no new link went to the draining exporter");
            assertEquals(b1Total + 10, TestMesh.counter(b1, "export", "total"));

            for (int i = 0; i < open.size(); i++) {
                assertEquals("OK", open.get(i).set("drain:old:" + i, "still here " + i));
                assertEquals("still here " + i, open.get(i).get("drain:old:" + i));
            }
            assertEquals(onB2, TestMesh.counter(b2, "export", "active"), "open links on the draining exporter carry on");
        } finally {
            open.forEach(Jedis::close);
        }
        Poll.until(Duration.ofSeconds(10), "b2's links to finish", () -> TestMesh.counter(b2, "export", "active") == 0);
        b2.delete("/v1/nodes/b2/drain");
        TestMesh.awaitActiveExporters(List.of(a1, a2), "b1", "b2");
    }

    @Test
    @Order(4)
    void leavingExporterDrainsExitsZeroAndNewConnectionsGoToTheOther() throws Exception {
        int before;
        try (Prober prober = new Prober(a1.importPort, "leave:", Duration.ofSeconds(2))) {
            Poll.until(Duration.ofSeconds(10), "traffic through the mesh", () -> prober.ok.get() >= 5);
            before = prober.failed.get();
            assertEquals(0, b2.terminate(Duration.ofSeconds(60)), "exit status after SIGTERM");
            int okAtExit = prober.ok.get();
            Poll.until(Duration.ofSeconds(10), "new connections after b2 left", () -> prober.ok.get() >= okAtExit + 10);
            prober.close();
            assertEquals(before, prober.failed.get(), "a graceful leave fails no new connection");
            assertTrue(prober.wrong.isEmpty(), "wrong answers: " + prober.wrong);
        }
        for (MeshNodeProcess o : List.of(a1, a2, b1)) {
            Poll.until(CONVERGE, o.name + " dropping b2's rows", () -> TestMesh.activeExactly(o, "b1"));
        }
        b2.start();
        TestMesh.awaitActiveExporters(List.of(a1, a2, b1, b2), "b1", "b2");
    }

    @Test
    @Order(5)
    void crashedExporterIsFailedOverWithinTenSecondsWithoutWrongData() throws Exception {
        // In a datacenter of two, keep-majority keeps the node with the lower address; crash the other.
        MeshNodeProcess victim = b1.clusterPort > b2.clusterPort ? b1 : b2;
        MeshNodeProcess survivor = victim == b1 ? b2 : b1;
        try (Prober prober = new Prober(a1.importPort, "crash:", Duration.ofSeconds(2))) {
            Poll.until(Duration.ofSeconds(10), "traffic through the mesh", () -> prober.ok.get() >= 5);
            victim.kill();
            long killed = prober.markNow();
            Poll.until(Duration.ofSeconds(10), "a new connection to succeed after the crash",
                    () -> prober.firstSuccessAfterMark.get() != 0);
            long failoverMillis = (prober.firstSuccessAfterMark.get() - killed) / 1_000_000;
            int okAfter = prober.ok.get();
            int failedAfter = prober.failed.get();
            Poll.until(Duration.ofSeconds(10), "20 more connections", () -> prober.ok.get() >= okAfter + 20);
            prober.close();
            assertEquals(failedAfter, prober.failed.get(), "once failed over, no new connection fails");
            assertTrue(prober.wrong.isEmpty(), "wrong answers: " + prober.wrong);
            System.out.println("MeshIT: first successful new connection " + failoverMillis + " ms after SIGKILL of "
                    + victim.name + "; " + prober.failed.get() + " connection(s) failed in all");
        }
        for (MeshNodeProcess o : List.of(a1, a2, survivor)) {
            Poll.until(CONVERGE, o.name + " dropping the crashed node's rows", () -> TestMesh.activeExactly(o, survivor.name));
        }
        assertTrue(survivor.alive(), "the survivor is still running");
    }
}
