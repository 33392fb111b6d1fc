package io.cloakmesh.node.pipe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cloakmesh.node.testing.ExternalProcess;
import io.cloakmesh.node.testing.Poll;
import io.cloakmesh.node.transport.TransportKind;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import redis.clients.jedis.Jedis;

/** The mesh pipe against the real Debian spiped, in both roles, with a real redis-server behind; on each transport. */
@ParameterizedClass
@EnumSource(TransportKind.class)
class SpipedInteropIT {
    @Parameter
    TransportKind transport;
    private static MeshPipes pipes;
    private static ExternalProcess redis;
    private static int redisPort;
    private static Path key;

    @BeforeParameterizedClassInvocation
    static void start(TransportKind transport) throws Exception {
        pipes = new MeshPipes(transport);
        redisPort = Poll.freePort();
        redis = ExternalProcess.redis(redisPort);
        key = MeshPipes.keyFile("interop test key, 32 bytes or so");
    }

    @AfterParameterizedClassInvocation
    static void stop() throws Exception {
        pipes.close();
        redis.close();
    }

    @Test
    void spipedEncryptsAndMeshDecryptsToRedis() throws Exception {
        PipeServer meshServer = pipes.start("-d", "-s", "[127.0.0.1]:0", "-t", "[127.0.0.1]:" + redisPort, "-k", key.toString());
        int entry = Poll.freePort();
        try (ExternalProcess spiped = ExternalProcess.spiped("-e", entry, MeshPipes.port(meshServer), key)) {
            assertRedisWorksThrough(entry);
        }
    }

    @Test
    void meshEncryptsAndSpipedDecryptsToRedis() throws Exception {
        int exit = Poll.freePort();
        try (ExternalProcess spiped = ExternalProcess.spiped("-d", exit, redisPort, key)) {
            PipeServer meshClient = pipes.start("-e", "-s", "[127.0.0.1]:0", "-t", "[127.0.0.1]:" + exit, "-k", key.toString());
            assertRedisWorksThrough(MeshPipes.port(meshClient));
        }
    }

    private static void assertRedisWorksThrough(int port) {
        byte[] value = new byte[1 << 20];
        new SecureRandom().nextBytes(value);
        byte[] name = ("interop-" + port).getBytes(StandardCharsets.US_ASCII);
        try (Jedis jedis = new Jedis("127.0.0.1", port, 10_000)) {
            assertEquals("PONG", jedis.ping());
            assertEquals("OK", jedis.set(name, value));
            assertArrayEquals(value, jedis.get(name));
        }
    }

    /** spiped's own table: which side is real spiped and which is the mesh, for each -f/-g pairing. */
    @ParameterizedTest(name = "{0} client {1}, {2} server {3}: {4}")
    @CsvSource({
        "spiped, '', mesh, '', works", "spiped, '', mesh, -f, works", "spiped, '', mesh, -g, works",
        "spiped, -f, mesh, '', works", "spiped, -f, mesh, -f, works", "spiped, -f, mesh, -g, refused",
        "spiped, -g, mesh, '', works", "spiped, -g, mesh, -f, refused", "spiped, -g, mesh, -g, works",
        "mesh, '', spiped, '', works", "mesh, '', spiped, -f, works", "mesh, '', spiped, -g, works",
        "mesh, -f, spiped, '', works", "mesh, -f, spiped, -f, works", "mesh, -f, spiped, -g, refused",
        "mesh, -g, spiped, '', works", "mesh, -g, spiped, -f, refused", "mesh, -g, spiped, -g, works"})
    void forwardSecrecyPairingsFollowSpipedsTable(String client, String clientFlag, String server, String serverFlag,
            String outcome) throws Exception {
        try (TcpPeers.Server echo = TcpPeers.echo()) {
            ExternalProcess spiped = null;
            try {
                int serverPort;
                if (server.equals("spiped")) {
                    serverPort = Poll.freePort();
                    spiped = ExternalProcess.spiped("-d", serverPort, echo.port(), key, flags(serverFlag));
                } else {
                    serverPort = MeshPipes.port(pipes.start(args("-d", "[127.0.0.1]:" + echo.port(), serverFlag)));
                }
                int clientPort;
                if (client.equals("spiped")) {
                    clientPort = Poll.freePort();
                    spiped = ExternalProcess.spiped("-e", clientPort, serverPort, key, flags(clientFlag));
                } else {
                    clientPort = MeshPipes.port(pipes.start(args("-e", "[127.0.0.1]:" + serverPort, clientFlag)));
                }
                byte[] reply = exchange(clientPort, "ping\n".getBytes(StandardCharsets.US_ASCII));
                assertEquals(outcome.equals("works") ? "ping\n" : "", new String(reply, StandardCharsets.US_ASCII));
            } finally {
                if (spiped != null) {
                    spiped.close();
                }
            }
        }
    }

    private static String[] flags(String flag) {
        return flag.isEmpty() ? new String[0] : new String[] {flag};
    }

    private static String[] args(String role, String target, String flag) {
        List<String> a = new java.util.ArrayList<>(List.of(role, "-s", "[127.0.0.1]:0", "-t", target, "-k", key.toString(), "-o", "2"));
        if (!flag.isEmpty()) {
            a.add(flag);
        }
        return a.toArray(new String[0]);
    }

    /** Sends {@code request}, half-closes, and returns everything read until EOF or reset. */
    static byte[] exchange(int port, byte[] request) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(15_000);
            s.getOutputStream().write(request);
            s.shutdownOutput();
            return readToEof(s.getInputStream());
        }
    }

    static byte[] readToEof(InputStream in) throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        byte[] buf = new byte[65536];
        try {
            int n;
            while ((n = in.read(buf)) > 0) {
                out.write(buf, 0, n);
            }
        } catch (java.net.SocketException reset) {
            // a dropped connection ends the reply just like EOF
        }
        return out.toByteArray();
    }

    @Test
    void wrongKeyIsRefusedAndNothingReachesTheTarget() throws Exception {
        Path otherKey = MeshPipes.keyFile("a different key");
        try (TcpPeers.Recorder target = TcpPeers.Recorder.start()) {
            PipeServer meshServer = pipes.start("-d", "-s", "[127.0.0.1]:0", "-t", "[127.0.0.1]:" + target.port(), "-k", key.toString());
            int entry = Poll.freePort();
            try (ExternalProcess spiped = ExternalProcess.spiped("-e", entry, MeshPipes.port(meshServer), otherKey)) {
                assertEquals(0, exchange(entry, "SET secret 1\r\n".getBytes(StandardCharsets.US_ASCII)).length);
                Poll.until(Duration.ofSeconds(5), "mesh server connections to end", () -> meshServer.activeConnections() == 0);
            }
            // The mesh server connects to its target only after authentication (spiped connects at once).
            assertEquals(0, target.connections.get(), "the mesh server connected to its target for a wrong key");
            // Same with the mesh as the client facing a real spiped server.
            int spipedServer = Poll.freePort();
            try (ExternalProcess spiped = ExternalProcess.spiped("-d", spipedServer, target.port(), key)) {
                PipeServer meshClient = pipes.start("-e", "-s", "[127.0.0.1]:0", "-t", "[127.0.0.1]:" + spipedServer, "-k", otherKey.toString());
                assertEquals(0, exchange(MeshPipes.port(meshClient), "SET secret 2\r\n".getBytes(StandardCharsets.US_ASCII)).length);
                Poll.until(Duration.ofSeconds(5), "mesh client connection to end", () -> meshClient.activeConnections() == 0);
            }
            assertEquals(0, target.bytes.get(), "bytes reached the target");
        }
    }

    @Test
    void flippedByteOnTheWireClosesTheConnectionAndNeverReachesTheTarget() throws Exception {
        try (TcpPeers.Recorder target = TcpPeers.Recorder.start()) {
            PipeServer meshServer = pipes.start("-d", "-s", "[127.0.0.1]:0", "-t", "[127.0.0.1]:" + target.port(), "-k", key.toString());
            // Byte 320 + 10 of the client's stream lies in its first data packet, after the handshake.
            try (TcpPeers.Server relay = TcpPeers.flipper(MeshPipes.port(meshServer), true, 330)) {
                int entry = Poll.freePort();
                try (ExternalProcess spiped = ExternalProcess.spiped("-e", entry, relay.port(), key)) {
                    assertEquals(0, exchange(entry, "SET tampered 1\r\n".getBytes(StandardCharsets.US_ASCII)).length);
                    Poll.until(Duration.ofSeconds(5), "mesh server connection to end", () -> meshServer.activeConnections() == 0);
                }
            }
            assertEquals(0, target.bytes.get(), "the tampered command reached the target");
        }
    }

    @Test
    void flippedByteInTheReplyClosesTheConnectionAndIsNeverDelivered() throws Exception {
        try (TcpPeers.Server echo = TcpPeers.echo()) {
            int spipedServer = Poll.freePort();
            try (ExternalProcess spiped = ExternalProcess.spiped("-d", spipedServer, echo.port(), key);
                    TcpPeers.Server relay = TcpPeers.flipper(spipedServer, false, 330)) {
                PipeServer meshClient = pipes.start("-e", "-s", "[127.0.0.1]:0", "-t", "[127.0.0.1]:" + relay.port(), "-k", key.toString());
                assertEquals(0, exchange(MeshPipes.port(meshClient), "hello\n".getBytes(StandardCharsets.US_ASCII)).length);
            }
        }
    }

    @Test
    void halfClosedClientStillReceivesTheWholeReply() throws Exception {
        byte[] request = new byte[3 * 1024 * 1024 + 17];
        new SecureRandom().nextBytes(request);
        try (TcpPeers.Server echo = TcpPeers.echo()) {
            PipeServer meshServer = pipes.start("-d", "-s", "[127.0.0.1]:0", "-t", "[127.0.0.1]:" + echo.port(), "-k", key.toString());
            int entry = Poll.freePort();
            try (ExternalProcess spiped = ExternalProcess.spiped("-e", entry, MeshPipes.port(meshServer), key)) {
                assertArrayEquals(request, exchange(entry, request), "spiped -e -> mesh -d");
            }
            int spipedServer = Poll.freePort();
            try (ExternalProcess spiped = ExternalProcess.spiped("-d", spipedServer, echo.port(), key)) {
                PipeServer meshClient = pipes.start("-e", "-s", "[127.0.0.1]:0", "-t", "[127.0.0.1]:" + spipedServer, "-k", key.toString());
                assertArrayEquals(request, exchange(MeshPipes.port(meshClient), request), "mesh -e -> spiped -d");
            }
        }
    }
}
