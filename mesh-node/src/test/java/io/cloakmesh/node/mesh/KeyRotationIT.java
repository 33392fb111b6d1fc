package io.cloakmesh.node.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * A psk key rotation on a running 4-node mesh, in the three steps docs/operations.md gives ([old, new],
 * [new, old], [new]), each rolled node by node with mesh-admin reload while clients in the other
 * datacenter open connections without pause: not one of them fails.
 */
class KeyRotationIT {
    private static TestMesh mesh;

    @BeforeAll
    static void start() throws Exception {
        mesh = new TestMesh("cloakmesh-rotation-it");
    }

    @AfterAll
    static void stop() throws Exception {
        if (mesh != null) {
            mesh.close();
        }
    }

    @Test
    void aRollingKeyRotationRefusesNoLink() throws Exception {
        Path old = mesh.dir.resolve("mesh.key");
        Path next = Files.write(mesh.dir.resolve("mesh-next.key"), new SecureRandom().generateSeed(32));
        Files.setPosixFilePermissions(next, PosixFilePermissions.fromString("rw-------"));
        long failedOpensBefore = failedOpens();
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger opened = new AtomicInteger();
        List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Thread> clients = new ArrayList<>();
        for (MeshNodeProcess entry : List.of(mesh.a1, mesh.a2)) {
            Thread client = new Thread(() -> {
                while (running.get()) {
                    try (Jedis jedis = new Jedis("127.0.0.1", entry.importPort)) {
                        if (!"PONG".equals(jedis.ping())) {
                            failures.add("no PONG");
                        }
                        opened.incrementAndGet();
                    } catch (RuntimeException e) {
                        failures.add(entry.name + ": " + e.getMessage());
                    }
                }
            });
            client.start();
            clients.add(client);
        }
        try {
            for (List<Path> keys : List.of(List.of(old, next), List.of(next, old), List.of(next))) {
                for (MeshNodeProcess node : List.of(mesh.b1, mesh.b2, mesh.a1, mesh.a2)) {
                    int before = opened.get();
                    mesh.writeConfig(node, node.name.startsWith("a") ? "dc-a" : "dc-b", keyFiles(keys));
                    AdminCli.Run reload = AdminCli.run(mesh, node, "reload", node.name);
                    assertEquals(0, reload.status(), reload.err());
                    assertTrue(reload.out().contains("link changed"), reload.out());
                    io.cloakmesh.node.testing.Poll.until(java.time.Duration.ofSeconds(10), "connections after "
                            + node.name + " took " + keys, () -> opened.get() > before + 20);
                }
            }
        } finally {
            running.set(false);
            for (Thread client : clients) {
                client.join(10_000);
            }
        }
        assertEquals(0, failures.size(), () -> failures.size() + " failed of " + opened.get() + " connections, first: "
                + failures.subList(0, Math.min(5, failures.size())));
        assertTrue(opened.get() > 240, "clients ran throughout: " + opened.get());
        assertEquals(failedOpensBefore, failedOpens(), "no link was refused for its key, not even one the entries failed over from");
    }

    /** Opens the entries counted as failed because the exit refused the handshake: what a key mismatch causes. */
    private static long failedOpens() throws Exception {
        long failed = 0;
        for (MeshNodeProcess entry : List.of(mesh.a1, mesh.a2)) {
            failed += mesh.metrics(entry).lines()
                    .filter(l -> l.startsWith("cloakmesh_open_failures_total{") && l.contains("reason=\"handshake-failed\""))
                    .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
        }
        return failed;
    }

    private static String keyFiles(List<Path> keys) {
        StringBuilder list = new StringBuilder();
        keys.forEach(k -> list.append(list.length() == 0 ? "" : ", ").append('"').append(k).append('"'));
        return "  link.security { key-file = \"\", key-files = [" + list + "] }\n";
    }
}
