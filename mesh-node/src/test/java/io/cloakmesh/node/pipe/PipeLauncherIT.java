package io.cloakmesh.node.pipe;

import io.cloakmesh.node.testing.ExternalProcess;
import io.cloakmesh.node.testing.Poll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** scripts/mesh-node as an operator runs it, with unmodified spiped and redis-cli around it. */
class PipeLauncherIT {
    private static final Path LAUNCHER = Path.of("..", "scripts", "mesh-node").toAbsolutePath().normalize();
    private static ExternalProcess redis;
    private static int redisPort;
    private static Path key;

    @BeforeAll
    static void start() throws Exception {
        redisPort = Poll.freePort();
        redis = ExternalProcess.redis(redisPort);
        key = MeshPipes.keyFile("launcher test key");
    }

    @AfterAll
    static void stop() throws Exception {
        redis.close();
    }

    private static String redisCli(int port, String... command) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("redis-cli", "-p", Integer.toString(port)));
        cmd.addAll(List.of(command));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertTrue(p.waitFor(20, TimeUnit.SECONDS), "redis-cli hung");
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    }

    @Test
    void foregroundPipeServesAnUnmodifiedSpipedAndRedisCliWorks() throws Exception {
        int meshPort = Poll.freePort();
        try (ExternalProcess mesh = ExternalProcess.start(List.of(LAUNCHER.toString(), "pipe", "-d",
                "-s", "[127.0.0.1]:" + meshPort, "-t", "[127.0.0.1]:" + redisPort, "-k", key.toString(), "-F"))) {
            Poll.until(Duration.ofSeconds(60), "mesh-node pipe to listen", () -> Poll.accepts(meshPort) || !mesh.process.isAlive());
            assertTrue(mesh.process.isAlive(), mesh.output());
            int entry = Poll.freePort();
            try (ExternalProcess spiped = ExternalProcess.spiped("-e", entry, meshPort, key)) {
                assertEquals("PONG", redisCli(entry, "PING"));
                assertEquals("OK", redisCli(entry, "SET", "launcher", "works"));
                assertEquals("works", redisCli(entry, "GET", "launcher"));
            }
        }
    }

    @Test
    void withoutForegroundItDetachesOnceListeningAndExitsCleanlyOnSigterm() throws Exception {
        int meshPort = Poll.freePort();
        Path dir = Files.createTempDirectory("cloakmesh-pidfile");
        Path pidfile = dir.resolve("pipe.pid");
        Process parent = new ProcessBuilder(LAUNCHER.toString(), "pipe", "-d", "-s", "[127.0.0.1]:" + meshPort,
                "-t", "[127.0.0.1]:" + redisPort, "-k", key.toString(), "-p", pidfile.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("out.log").toFile()).start();
        assertTrue(parent.waitFor(90, TimeUnit.SECONDS), "the parent did not return");
        assertEquals(0, parent.exitValue(), Files.readString(dir.resolve("out.log")));
        // Returning means listening: no polling needed before the first connect.
        assertTrue(Poll.accepts(meshPort), "not listening when the launcher returned");
        long pid = Long.parseLong(Files.readString(pidfile).trim());
        ProcessHandle daemon = ProcessHandle.of(pid).orElseThrow();
        try {
            assertTrue(daemon.isAlive());
            new ProcessBuilder("kill", "-TERM", Long.toString(pid)).start().waitFor();
            assertTrue(daemon.onExit().get(30, TimeUnit.SECONDS) != null);
            Poll.until(Duration.ofSeconds(10), "port to close", () -> !Poll.accepts(meshPort));
        } finally {
            daemon.destroyForcibly();
        }
    }

    @Test
    void keyFileReadableByOthersIsRefused() throws Exception {
        Path open = Files.createTempFile("cloakmesh-open-key", ".key");
        Files.writeString(open, "k");
        Files.setPosixFilePermissions(open, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        Process p = new ProcessBuilder(LAUNCHER.toString(), "pipe", "-e", "-s", "[127.0.0.1]:" + Poll.freePort(),
                "-t", "[127.0.0.1]:" + redisPort, "-k", open.toString(), "-F").redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(1, p.exitValue(), out);
        assertTrue(out.contains("readable by other users"), out);
    }
}
