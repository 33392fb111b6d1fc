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
    private static ReloadingTls entryTls;
    private static TlsContext exitTls;

    @BeforeAll
    static void start() throws Exception {
        TestCertificates ca = new TestCertificates(Files.createTempDirectory("cloakmesh-link-security"), "ca");
        entryTls = ReloadingTls.load("entry", config(ca.issue("a1", "127.0.0.1", "a1"), ca.caFile));
        exitTls = TlsContext.load(config(ca.issue("b2", "127.0.0.1", "b2"), ca.caFile));
        system = ActorSystem.create("link-security-test");
    }

    @AfterAll
    static void stop() {
        system.terminate();
    }

    private static TlsConfig config(Path[] identity, Path ca) {
        return TestCertificates.tls(Optional.of(identity), ca, TlsConfig.ClientAuth.YES, "TLSv1.3");
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
        ExportRow row = new ExportRow("redis", node, "member", "dc-b", "127.0.0.1", server.getLocalPort(), ExportState.ACTIVE, 0);
        CompletableFuture<Done> authenticated = new CompletableFuture<>();
        LinkSecurity.tls(entryTls, () -> Set.of("a1", "b2")).entry(row, authenticated)
                .join(Tcp.get(system).outgoingConnection("127.0.0.1", server.getLocalPort()))
                .runWith(Source.single(ByteString.fromString("open")).concat(Source.maybe()), Sink.ignore(), system);
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
