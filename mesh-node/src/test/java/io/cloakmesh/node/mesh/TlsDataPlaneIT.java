package io.cloakmesh.node.mesh;

import static io.cloakmesh.node.testing.Strangers.secondsSince;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloakmesh.crypto.tls.TlsConfig;
import io.cloakmesh.crypto.tls.TlsContext;
import io.cloakmesh.node.testing.ExternalProcess;
import io.cloakmesh.node.testing.Poll;
import io.cloakmesh.node.testing.Strangers;
import io.cloakmesh.node.testing.TestCertificates;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * TLS on the data plane of a real mesh: redis-cli --tls reaches a TLS import on a1, whose exits (b1, b2)
 * reach a redis-server that listens only on a tls-port and wants client certificates; a2's import wants
 * client certificates and TLS 1.3 only. Plaintext, certificate-less and TLS 1.2 clients are refused at
 * the handshake while the listeners keep serving, and a1's certificate is replaced under an open
 * connection.
 */
class TlsDataPlaneIT {
    private static final int REDIS_TLS = Poll.freePort();
    private static final int OPEN_IMPORT = Poll.freePort();
    private static final int STRICT_IMPORT = Poll.freePort();
    private static TestMesh mesh;
    private static ExternalProcess redis;

    @BeforeAll
    static void start() throws Exception {
        mesh = new TestMesh("cloakmesh-tls-it", false, node -> {
            Path dir = node.config.getParent();
            String own = "cert-file = \"" + dir.resolve(node.name + ".crt") + "\", key-file = \"" + dir.resolve(node.name + ".key")
                    + "\", ca-cert-file = \"" + dir.resolve("ca.crt") + "\"";
            return switch (node.name) {
                case "a1" -> "  imports.secure { listen = \"127.0.0.1:" + OPEN_IMPORT + "\", datacenter = dc-b, max-connections = 4, "
                        + "max-handshakes = 16, handshake-timeout = 3s, tls { " + own + ", auth-clients = no } }\n";
                case "a2" -> "  imports.secure { listen = \"127.0.0.1:" + STRICT_IMPORT + "\", datacenter = dc-b, tls { " + own
                        + ", protocols = \"TLSv1.3\" } }\n";
                default -> "  exports.secure { targets = [\"127.0.0.1:" + REDIS_TLS + "\"], tls { " + own + " } }\n";
            };
        });
        Path[] redisCert = mesh.issueCertificate("redis", mesh.ca, "");
        redis = ExternalProcess.redis(REDIS_TLS, "--port", "0", "--tls-port", Integer.toString(REDIS_TLS),
                "--tls-cert-file", redisCert[0].toString(), "--tls-key-file", redisCert[1].toString(),
                "--tls-ca-cert-file", mesh.caFile.toString(), "--tls-auth-clients", "yes");
    }

    @AfterAll
    static void stop() throws Exception {
        if (mesh != null) {
            mesh.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    private record Cli(int status, String out) {
    }

    private static Cli redisCli(int port, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("redis-cli", "--tls", "--cacert", mesh.caFile.toString(), "-p",
                Integer.toString(port)));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        return new Cli(p.exitValue(), out);
    }

    @Test
    void redisCliWithTlsReachesATlsOnlyRedisThroughTheMesh() throws Exception {
        Poll.until(Duration.ofSeconds(30), "a PONG through the TLS import", () -> {
            try {
                return redisCli(OPEN_IMPORT, "PING").out().equals("PONG");
            } catch (Exception e) {
                return false;
            }
        });
        assertEquals("OK", redisCli(OPEN_IMPORT, "SET", "tls:key", "through the mesh").out());
        Path[] client = mesh.issueCertificate("client", mesh.ca, "");
        assertEquals("through the mesh", redisCli(REDIS_TLS, "--cert", client[0].toString(), "--key", client[1].toString(),
                "GET", "tls:key").out(), "the value is in the TLS-only Redis");
    }

    @Test
    void plaintextToATlsImportIsRefusedAndTheListenerKeepsServing() throws Exception {
        try (Socket plain = new Socket("127.0.0.1", OPEN_IMPORT)) {
            plain.setSoTimeout(10_000);
            plain.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] answer = plain.getInputStream().readNBytes(7);
            assertTrue(!new String(answer, StandardCharsets.ISO_8859_1).contains("PONG"), "no plaintext answer");
        }
        assertEquals("PONG", redisCli(OPEN_IMPORT, "PING").out());
    }

    @Test
    void anImportWithAuthClientsRefusesAClientWithoutACertificate() throws Exception {
        Cli refused = redisCli(STRICT_IMPORT, "PING");
        assertTrue(!refused.out().equals("PONG"), refused.out());
        Path[] client = mesh.issueCertificate("client2", mesh.ca, "");
        assertEquals("PONG", redisCli(STRICT_IMPORT, "--cert", client[0].toString(), "--key", client[1].toString(), "PING").out());
    }

    @Test
    void aTls12OnlyClientIsRefusedWhereProtocolsIsTls13() throws Exception {
        Path[] client = mesh.issueCertificate("client3", mesh.ca, "");
        TlsContext tls = clientTls(Optional.of(client));
        try (SSLSocket socket = (SSLSocket) tls.clientContext().getSocketFactory().createSocket("127.0.0.1", STRICT_IMPORT)) {
            socket.setEnabledProtocols(new String[] {"TLSv1.2"});
            socket.setSoTimeout(10_000);
            assertThrows(SSLException.class, socket::startHandshake);
        }
        try (SSLSocket socket = (SSLSocket) tls.clientContext().getSocketFactory().createSocket("127.0.0.1", STRICT_IMPORT)) {
            assertEquals("+PONG", ping(socket));
            assertEquals("TLSv1.3", socket.getSession().getProtocol());
        }
    }

    @Test
    void aRotatedCertificateServesNewConnectionsWhileAnOpenOneCarriesOn() throws Exception {
        TlsContext tls = clientTls(Optional.empty());
        try (SSLSocket open = (SSLSocket) tls.clientContext().getSocketFactory().createSocket("127.0.0.1", OPEN_IMPORT)) {
            assertEquals("+PONG", ping(open));
            BigInteger before = ((X509Certificate) open.getSession().getPeerCertificates()[0]).getSerialNumber();
            Path[] fresh = mesh.issueCertificate("a1", mesh.ca, "-next");
            Path dir = mesh.dir;
            // Key first, then certificate: the pair is read when both files have changed size or time.
            Files.copy(fresh[1], dir.resolve("a1.key"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Files.copy(fresh[0], dir.resolve("a1.crt"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Poll.until(Duration.ofSeconds(20), "a new connection sees the new certificate", () -> {
                try (SSLSocket next = (SSLSocket) tls.clientContext().getSocketFactory().createSocket("127.0.0.1", OPEN_IMPORT)) {
                    next.startHandshake();
                    return !((X509Certificate) next.getSession().getPeerCertificates()[0]).getSerialNumber().equals(before);
                } catch (IOException e) {
                    return false;
                }
            });
            assertEquals("+PONG", ping(open), "the connection opened before the rotation carries on");
        }
    }

    /**
     * An attacker's connections to a TLS import (max-connections 4, max-handshakes 16, handshake-timeout
     * 3 s): those in their handshake do not take the places of clients past it, the oldest make room for
     * new ones, and each is closed within the timeout, counted by reason and logged.
     */
    @Test
    void silentHalfwayAndGarbageClientsOfATlsImportAreClosedInTimeAndNeverKeepRealClientsOut() throws Exception {
        Map<String, Long> before = TestMesh.listenerEvents(mesh.a1, "secure");
        int totalBefore = mesh.a1.counters("import", "secure").get("total").asInt();
        long start = System.nanoTime();
        try (Strangers strangers = Strangers.at(OPEN_IMPORT, 100, 10, 10)) {
            for (Socket s : strangers.garbage) {
                Strangers.closedAfter(s);
            }
            assertTrue(secondsSince(start) < 3, "garbage closed at once, after " + secondsSince(start) + " s");
            for (int i = 0; i < 10; i++) {
                assertEquals("PONG", redisCli(OPEN_IMPORT, "PING").out(), "a real client among the strangers");
            }
            strangers.allClosedByThePeer();
            long seconds = secondsSince(start);
            assertTrue(seconds <= 3 + 5, "every stranger closed, the last after " + seconds + " s");
        }
        Map<String, Long> after = TestMesh.listenerEvents(mesh.a1, "secure");
        TestMesh.assertRefusals(before, after, Map.of("handshake-budget", 80, "handshake-timeout", 10, "handshake-failed", 10));
        assertTrue(mesh.a1.output().contains("import secure: TLS client /127.0.0.1:"), "refusals are logged");
        assertEquals("PONG", redisCli(OPEN_IMPORT, "PING").out(), "the import serves after the flood");
        int served = mesh.a1.counters("import", "secure").get("total").asInt() - totalBefore;
        assertTrue(served >= 11 && served < 20, "connections counted for the service: " + served
                + " (11 clients; the 120 strangers never finished a handshake)");
    }

    private static TlsContext clientTls(Optional<Path[]> identity) throws Exception {
        return TlsContext.load(TestCertificates.tls(identity, mesh.caFile, TlsConfig.ClientAuth.NO, "TLSv1.2", "TLSv1.3"));
    }

    private static String ping(SSLSocket socket) throws IOException {
        socket.setSoTimeout(10_000);
        socket.getOutputStream().write("*1\r\n$4\r\nPING\r\n".getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        InputStream in = socket.getInputStream();
        StringBuilder line = new StringBuilder();
        for (int b = in.read(); b != '\r' && b >= 0; b = in.read()) {
            line.append((char) b);
        }
        in.read();  // the LF
        return line.toString();
    }
}
