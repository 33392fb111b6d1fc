package io.cloakmesh.node.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloakmesh.crypto.tls.TlsConfig;
import io.cloakmesh.crypto.tls.TlsContext;
import io.cloakmesh.node.routing.ExportRow;
import io.cloakmesh.node.routing.ExportState;
import io.cloakmesh.node.testing.TestCertificates;
import io.cloakmesh.node.tls.ReloadingTls;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.apache.pekko.Done;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.Tcp;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The entry's side of a link in tls mode against a real TLS server on 127.0.0.1: it goes on only with an
 * exit whose certificate names the node the routing table says the address is, and says why otherwise.
 */
class LinkSecurityTest {
    private static ActorSystem system;
    private static TlsConfig entryConfig;
    private static ReloadingTls entryTls;
    private static TlsContext exitTls;

    @BeforeAll
    static void start() throws Exception {
        TestCertificates ca = new TestCertificates(Files.createTempDirectory("cloakmesh-link-security"), "ca");
        entryConfig = config(ca.issue("a1", "127.0.0.1", "a1"), ca.caFile);
        entryTls = ReloadingTls.load("entry", entryConfig);
        exitTls = TlsContext.load(config(ca.issue("b2", "127.0.0.1", "b2"), ca.caFile));
        system = ActorSystem.create("link-security-test");
    }

    @AfterAll
    static void stop() {
        system.terminate();
    }

    /** Session caching as a node has it by default: the exit's tickets last as long. */
    private static TlsConfig config(Path[] identity, Path ca) {
        TlsConfig c = TestCertificates.tls(Optional.of(identity), ca, TlsConfig.ClientAuth.YES, "TLSv1.3");
        return new TlsConfig(c.certFile(), c.keyFile(), c.keyFilePass(), c.clientCertFile(), c.clientKeyFile(),
                c.clientKeyFilePass(), c.caCertFile(), c.caCertDir(), c.protocols(), c.ciphers(), c.ciphersuites(),
                c.preferServerCiphers(), c.authClients(), true, 1000, Duration.ofMinutes(5));
    }

    /** Dials a TLS server holding b2's certificate, as the routing table's row for {@code node} says. */
    private static CompletableFuture<Done> dial(String node) throws Exception {
        SSLServerSocket server = (SSLServerSocket) exitTls.serverContext().getServerSocketFactory()
                .createServerSocket(0, 1, InetAddress.getLoopbackAddress());
        server.setNeedClientAuth(true);
        CompletableFuture.runAsync(() -> {
            try (server; SSLSocket accepted = (SSLSocket) server.accept()) {
                accepted.setSoTimeout(10_000);
                accepted.startHandshake();
                accepted.getInputStream().read();
            } catch (Exception e) {
                // the entry hung up, as it should when it refuses the exit
            }
        });
        return link(LinkSecurity.tls(entryTls, () -> Set.of("a1", "b2"), new LinkHandshakes()), node, server.getLocalPort());
    }

    /**
     * Links dialled one after another to one exit resume the sessions of earlier ones (a third of the CPU
     * of a full handshake), and a resumed session is checked by name as a full one is.
     */
    @Test
    void linksToOneExitResumeTheirSessionsAndAreStillCheckedByName() throws Exception {
        LinkHandshakes counted = new LinkHandshakes();
        // A session cache of its own: no ticket from another test's exit.
        LinkSecurity security = LinkSecurity.tls(ReloadingTls.load("entry", entryConfig), () -> Set.of("a1", "b2"), counted);
        try (SSLServerSocket server = (SSLServerSocket) exitTls.serverContext().getServerSocketFactory()
                .createServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            server.setNeedClientAuth(true);
            CompletableFuture.runAsync(() -> {
                while (!server.isClosed()) {
                    try (SSLSocket accepted = (SSLSocket) server.accept()) {
                        accepted.setSoTimeout(10_000);
                        accepted.startHandshake();
                        while (accepted.getInputStream().read() >= 0) {
                            // until the entry's end of output
                        }
                    } catch (Exception e) {
                        // a refused entry hangs up; the next link is accepted all the same
                    }
                }
            });
            // Each slot's first link makes the full handshake; its next one resumes.
            for (int i = 0; i <= LinkSecurity.RESUMPTION_SLOTS; i++) {
                assertEquals(Done.getInstance(), link(security, "b2", server.getLocalPort()).get(10, TimeUnit.SECONDS));
            }
            LinkHandshakes.Snapshot after = counted.snapshot();
            assertEquals(LinkSecurity.RESUMPTION_SLOTS, after.entryFull());
            assertEquals(1, after.entryResumed());
            for (int i = 0; i < LinkSecurity.RESUMPTION_SLOTS; i++) {
                CompletableFuture<Done> misnamed = link(security, "b1", server.getLocalPort());
                ExecutionException refused = assertThrows(ExecutionException.class, () -> misnamed.get(10, TimeUnit.SECONDS));
                assertTrue(refused.getCause().getMessage().contains("naming node b2, not b1"), refused.getCause().getMessage());
            }
            assertTrue(counted.snapshot().entryResumed() > after.entryResumed(), "no refused link had resumed its session");
        }
    }

    private static CompletableFuture<Done> link(LinkSecurity security, String node, int port) {
        ExportRow row = new ExportRow("redis", node, "member", "dc-b", "127.0.0.1", port, ExportState.ACTIVE, 0);
        CompletableFuture<Done> authenticated = new CompletableFuture<>();
        security.entry(row, authenticated)
                .join(Tcp.get(system).outgoingConnection("127.0.0.1", port))
                .runWith(Source.single(ByteString.fromString("open")), Sink.ignore(), system);
        return authenticated;
    }

    @Test
    void anExitNamedAsTheRoutingTableSaysIsAccepted() throws Exception {
        assertEquals(Done.getInstance(), dial("b2").get(10, TimeUnit.SECONDS));
    }

    @Test
    void anExitWhoseCertificateNamesAnotherNodeIsRefusedSayingSo() throws Exception {
        CompletableFuture<Done> authenticated = dial("b1");
        ExecutionException refused = assertThrows(ExecutionException.class, () -> authenticated.get(10, TimeUnit.SECONDS));
        assertTrue(refused.getCause().getMessage().contains("presented a certificate naming node b2, not b1 as the routing "
                + "table says"), refused.getCause().getMessage());
    }
}
