package io.cloakmesh.node.mesh;

import static io.cloakmesh.node.testing.Strangers.secondsSince;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloakmesh.crypto.pki.CertificateAuthority;
import io.cloakmesh.crypto.tls.PemFiles;
import io.cloakmesh.crypto.tls.TlsConfig;
import io.cloakmesh.crypto.tls.TlsContext;
import io.cloakmesh.node.testing.Poll;
import io.cloakmesh.node.testing.Strangers;
import io.cloakmesh.node.testing.TestCertificates;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * Links in tls mode (link.security.mode = tls) on a real 4-node mesh: clients in dc-a reach the Redis
 * through exits in dc-b over mutual TLS 1.3 with the mesh CA, fail over when an exit drains, and an
 * exit refuses, with a log line saying why, a peer whose certificate is of another CA, names a node that
 * is not a member, or has expired.
 */
class LinkTlsIT {
    /** A TLS service that b1 and b2 export over TLS as "halftls", and a1 imports over TLS. */
    private static final int HALF_TLS_SERVICE = Poll.freePort();
    private static final int HALF_TLS_IMPORT = Poll.freePort();
    private static TestMesh mesh;
    private static Path[] serviceIdentity;

    @BeforeAll
    static void start() throws Exception {
        mesh = new TestMesh("cloakmesh-link-tls-it", false, node -> {
            Path dir = node.config.getParent();
            String tls = "  link.security.mode = tls\n  link.max-handshakes = 32\n";
            return switch (node.name) {
                case "a1" -> tls + "  imports.halftls { listen = \"127.0.0.1:" + HALF_TLS_IMPORT + "\", datacenter = dc-b, tls { "
                        + "cert-file = \"" + dir.resolve("a1.crt") + "\", key-file = \"" + dir.resolve("a1.key")
                        + "\", auth-clients = no } }\n";
                case "b1", "b2" -> tls + "  exports.halftls { targets = [\"127.0.0.1:" + HALF_TLS_SERVICE + "\"], tls { "
                        + "ca-cert-file = \"" + dir.resolve("ca.crt") + "\" } }\n";
                default -> tls;
            };
        });
        serviceIdentity = mesh.issueCertificate("service", mesh.ca, "");
    }

    @AfterAll
    static void stop() throws Exception {
        if (mesh != null) {
            mesh.close();
        }
    }

    @Test
    void clientsReachTheServiceOverTlsLinksAndFailOverWhenAnExitDrains() throws Exception {
        try (Jedis client = new Jedis("127.0.0.1", mesh.a1.importPort)) {
            assertEquals("OK", client.set("link-tls:key", "over TLS links"));
        }
        try (Jedis client = new Jedis("127.0.0.1", mesh.a2.importPort)) {
            assertEquals("over TLS links", client.get("link-tls:key"));
        }
        assertEquals(0, AdminCli.run(mesh, mesh.a1, "drain", "b1").status());
        try {
            for (int i = 0; i < 20; i++) {
                try (Jedis client = new Jedis("127.0.0.1", mesh.a1.importPort)) {
                    assertEquals("PONG", client.ping(), "connection " + i + " while b1 drains");
                }
            }
            // Links dialled back to back to b2 resume the sessions of earlier ones, on both sides.
            assertResumed(mesh.metrics(mesh.a1), "a1", "entry");
            assertResumed(mesh.metrics(mesh.b2), "b2", "exit");
        } finally {
            assertEquals(0, AdminCli.run(mesh, mesh.a1, "undrain", "b1").status());
        }
    }

    private static void assertResumed(String metrics, String node, String role) {
        assertTrue(Pattern.compile("cloakmesh_link_handshakes_total\\{node=\"" + node + "\",role=\"" + role
                + "\",kind=\"resumed\"} [1-9]").matcher(metrics).find(), metrics);
    }

    @Test
    void theLinkPortSpeaksTls13ToAMember() throws Exception {
        Path[] member = mesh.issueCertificate("a2", mesh.ca, "-probe");
        try (SSLSocket socket = connect(member, mesh.caFile)) {
            socket.startHandshake();
            assertEquals("TLSv1.3", socket.getSession().getProtocol());
        }
    }

    @Test
    void anExitRefusesPeersOfAnotherCaOfNoMemberOrExpiredSayingWhy() throws Exception {
        CertificateAuthority other = CertificateAuthority.create("another CA", Duration.ofDays(1));
        Path[] foreign = mesh.issueCertificate("a1", other, "-foreign");
        Path[] stranger = mesh.issueCertificate("intruder", mesh.ca, "");
        Instant now = Instant.now();
        Path[] expired = mesh.issueCertificate("a1", mesh.ca, "-expired", now.minus(Duration.ofDays(2)),
                now.minus(Duration.ofDays(1)));
        refusedSaying(foreign, "PKIX", "certification path");
        refusedSaying(stranger, "names node intruder, which is not a member of the mesh");
        refusedSaying(expired, "validity check failed", "NotAfter", "expired");
        try (Jedis client = new Jedis("127.0.0.1", mesh.a1.importPort)) {
            assertEquals("PONG", client.ping(), "the exits still serve the mesh's own entries");
        }
    }

    /**
     * TLS all the way (a TLS client, a TLS import, a tls link, a TLS export, a TLS service): a client that
     * shuts its output (a close_notify) still receives the whole answer the service sends after reading
     * the request to its end.
     */
    @Test
    void throughTlsEverywhereAClientThatClosesFirstStillReceivesTheWholeAnswer() throws Exception {
        byte[] answer = new byte[3 << 20];
        new SecureRandom().nextBytes(answer);
        try (SSLServerSocket service = tlsService()) {
            CompletableFuture<String> received = CompletableFuture.supplyAsync(() -> {
                try (Socket s = service.accept()) {
                    s.setSoTimeout(30_000);
                    String request = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    s.getOutputStream().write(answer);
                    return request;
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            try (SSLSocket client = tlsClient()) {
                client.getOutputStream().write("the whole request".getBytes(StandardCharsets.UTF_8));
                client.shutdownOutput();
                assertArrayEquals(answer, client.getInputStream().readAllBytes());
                assertEquals("the whole request", received.get(30, TimeUnit.SECONDS));
            }
        }
    }

    /** The other way round: the service ends its output first, and what the client sends afterwards arrives. */
    @Test
    void throughTlsEverywhereWhenTheServiceClosesFirstTheClientsLaterBytesStillArrive() throws Exception {
        try (SSLServerSocket service = tlsService()) {
            CompletableFuture<String> received = CompletableFuture.supplyAsync(() -> {
                try (Socket s = service.accept()) {
                    s.setSoTimeout(30_000);
                    String request = new String(s.getInputStream().readNBytes(6), StandardCharsets.UTF_8);
                    s.getOutputStream().write(("reply to " + request).getBytes(StandardCharsets.UTF_8));
                    s.shutdownOutput();
                    return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            try (SSLSocket client = tlsClient()) {
                client.getOutputStream().write("first\n".getBytes(StandardCharsets.UTF_8));
                assertEquals("reply to first\n", new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
                client.getOutputStream().write("later\n".getBytes(StandardCharsets.UTF_8));
                client.getOutputStream().write("and later still\n".getBytes(StandardCharsets.UTF_8));
                client.shutdownOutput();
                assertEquals("later\nand later still\n", received.get(30, TimeUnit.SECONDS));
            }
        }
    }

    private static SSLServerSocket tlsService() throws Exception {
        TlsContext tls = TlsContext.load(TestCertificates.tls(Optional.of(serviceIdentity), mesh.caFile, TlsConfig.ClientAuth.NO,
                "TLSv1.3"));
        return (SSLServerSocket) tls.serverContext().getServerSocketFactory().createServerSocket(HALF_TLS_SERVICE, 10,
                InetAddress.getLoopbackAddress());
    }

    private static SSLSocket tlsClient() throws Exception {
        TlsContext tls = TlsContext.load(TestCertificates.tls(Optional.empty(), mesh.caFile, TlsConfig.ClientAuth.NO, "TLSv1.3"));
        SSLSocket socket = (SSLSocket) tls.clientContext().getSocketFactory().createSocket("127.0.0.1", HALF_TLS_IMPORT);
        socket.setSoTimeout(30_000);
        return socket;
    }

    /**
     * An attacker's connections to a link port in tls mode (link.max-handshakes 32): the oldest make room for
     * new ones, each is closed within the 10-second handshake timeout, and the mesh's own links keep opening.
     */
    @Test
    void silentHalfwayAndGarbageConnectionsToATlsLinkPortAreClosedInTimeAndLinksKeepOpening() throws Exception {
        Map<String, Long> before = TestMesh.listenerEvents(mesh.b1, "link");
        long start = System.nanoTime();
        try (Strangers strangers = Strangers.at(mesh.b1.linkPort, 200, 10, 10)) {
            for (Socket s : strangers.garbage) {
                Strangers.closedAfter(s);
            }
            assertTrue(secondsSince(start) < 5, "garbage closed at once, after " + secondsSince(start) + " s");
            for (int i = 0; i < 20; i++) {
                try (Jedis client = new Jedis("127.0.0.1", mesh.a1.importPort, 10_000)) {
                    assertEquals("PONG", client.ping(), "a client through the mesh among the strangers");
                }
            }
            strangers.allClosedByThePeer();
            long seconds = secondsSince(start);
            assertTrue(seconds <= 10 + 8, "every stranger closed, the last after " + seconds + " s");
        }
        Map<String, Long> after = TestMesh.listenerEvents(mesh.b1, "link");
        TestMesh.assertRefusals(before, after, Map.of("handshake-budget", 150, "handshake-timeout", 10, "handshake-failed", 10));
        try (Jedis client = new Jedis("127.0.0.1", mesh.a2.importPort, 10_000)) {
            assertEquals("PONG", client.ping(), "the mesh serves after the flood");
        }
    }

    /** Connects to b1's link port presenting {@code identity} until b1 logs why it refused such a peer (any of {@code reasons}). */
    private static void refusedSaying(Path[] identity, String... reasons) throws Exception {
        try {
            pollRefusal(identity, reasons);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; b1 logged:\n" + String.join("\n",
                    mesh.b1.output().lines().filter(l -> l.contains("link from") || l.contains("WARN")).toList()), e);
        }
    }

    private static void pollRefusal(Path[] identity, String... reasons) {
        Poll.until(Duration.ofSeconds(30), "b1 logging a refusal saying " + List.of(reasons), () -> {
            try (SSLSocket socket = connect(identity, mesh.caFile)) {
                socket.startHandshake();
                // A TLS 1.3 server may finish its side before it judges the client's certificate: the
                // refusal then arrives as the connection's end.
                socket.setSoTimeout(10_000);
                assertThrows(IOException.class, () -> {
                    if (socket.getInputStream().read() < 0) {
                        throw new IOException("closed");
                    }
                });
            } catch (IOException expected) {
                // refused at the handshake
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return mesh.b1.output().lines().anyMatch(l -> l.contains("link from") && List.of(reasons).stream().anyMatch(l::contains));
        });
    }

    /** A TLS 1.3 client presenting {@code identity} as it is (even expired), trusting {@code ca}. */
    private static SSLSocket connect(Path[] identity, Path ca) throws Exception {
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("me", PemFiles.privateKey("key", identity[1], Optional.empty()), new char[0],
                PemFiles.certificates("cert", identity[0]).toArray(new X509Certificate[0]));
        KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keyManagers.init(keys, new char[0]);
        X509ExtendedKeyManager chosen = (X509ExtendedKeyManager) keyManagers.getKeyManagers()[0];
        // Sent whatever CAs the server names, as a client that is not the JDK's would.
        X509ExtendedKeyManager always = new X509ExtendedKeyManager() {
            @Override
            public String[] getClientAliases(String keyType, Principal[] issuers) {
                return new String[] {"me"};
            }

            @Override
            public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
                return "me";
            }

            @Override
            public String[] getServerAliases(String keyType, Principal[] issuers) {
                return null;
            }

            @Override
            public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
                return null;
            }

            @Override
            public X509Certificate[] getCertificateChain(String alias) {
                return chosen.getCertificateChain(alias);
            }

            @Override
            public PrivateKey getPrivateKey(String alias) {
                return chosen.getPrivateKey(alias);
            }
        };
        KeyStore anchors = KeyStore.getInstance("PKCS12");
        anchors.load(null, null);
        anchors.setCertificateEntry("ca", PemFiles.certificates("ca", ca).get(0));
        TrustManagerFactory trust = TrustManagerFactory.getInstance("PKIX");
        trust.init(anchors);
        SSLContext context = SSLContext.getInstance("TLSv1.3");
        context.init(new KeyManager[] {always}, trust.getTrustManagers(), null);
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", mesh.b1.linkPort);
        socket.setSoTimeout(10_000);
        return socket;
    }
}
