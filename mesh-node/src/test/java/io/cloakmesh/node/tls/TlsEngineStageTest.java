package io.cloakmesh.node.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloakmesh.crypto.tls.TlsConfig;
import io.cloakmesh.crypto.tls.TlsContext;
import io.cloakmesh.node.testing.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.stream.javadsl.BidiFlow;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The TLS stage against itself, client and server engines of the JDK with certificates of a test CA,
 * wired back to back in memory: data both ways, each direction's end kept apart from the other's (a
 * half-close), large transfers in small and large pieces, and a refused handshake reported.
 */
class TlsEngineStageTest {
    private static ActorSystem system;
    private static TlsContext server;
    private static TlsContext client;
    private static TlsContext anonymousClient;

    @BeforeAll
    static void start() throws Exception {
        system = ActorSystem.create("tls-engine-stage-test");
        Path dir = Files.createTempDirectory("tls-engine-stage");
        TestCertificates ca = new TestCertificates(dir, "stage CA");
        server = TlsContext.load(TestCertificates.tls(Optional.of(ca.issue("server", "127.0.0.1", "server")), ca.caFile,
                TlsConfig.ClientAuth.YES, "TLSv1.3"));
        client = TlsContext.load(TestCertificates.tls(Optional.of(ca.issue("client", "127.0.0.1", "client")), ca.caFile,
                TlsConfig.ClientAuth.NO, "TLSv1.3"));
        anonymousClient = TlsContext.load(TestCertificates.tls(Optional.empty(), ca.caFile, TlsConfig.ClientAuth.NO, "TLSv1.3"));
    }

    @AfterAll
    static void stop() {
        system.terminate();
    }

    /**
     * Client plaintext ⇄ client stage ⇄ the network ⇄ server stage ⇄ {@code service}: what the client sends
     * reaches the service, what the service sends reaches the client. The network cuts the ciphertext
     * anywhere, records too, as TCP may.
     */
    private static BidiFlow<ByteString, ByteString, ByteString, ByteString, NotUsed> pair(TlsContext clientTls,
            CompletableFuture<SSLSession> serverSession, CompletableFuture<SSLException> serverFailure) {
        BidiFlow<ByteString, ByteString, ByteString, ByteString, NotUsed> clientSide = TlsStage.of(
                () -> clientTls.clientEngine("127.0.0.1", 6379), s -> { }, e -> { });
        BidiFlow<ByteString, ByteString, ByteString, ByteString, NotUsed> serverSide = TlsStage.of(server::serverEngine,
                serverSession::complete, serverFailure::complete);
        return clientSide.atop(BidiFlow.fromFlows(network(), network())).atop(serverSide.reversed());
    }

    private static Flow<ByteString, ByteString, NotUsed> network() {
        SecureRandom random = new SecureRandom();
        return Flow.of(ByteString.class).mapConcat(bytes -> {
            List<ByteString> pieces = new java.util.ArrayList<>();
            for (ByteString rest = bytes; !rest.isEmpty(); ) {
                int n = Math.min(rest.size(), 1 + random.nextInt(20_000));
                pieces.add(rest.take(n));
                rest = rest.drop(n);
            }
            return pieces;
        });
    }

    /** Chops {@code bytes} into pieces of 1 to {@code max} bytes. */
    private static Source<ByteString, NotUsed> pieces(byte[] bytes, int max) {
        SecureRandom random = new SecureRandom();
        List<ByteString> chunks = new java.util.ArrayList<>();
        for (int at = 0; at < bytes.length; ) {
            int n = Math.min(bytes.length - at, 1 + random.nextInt(max));
            chunks.add(ByteString.fromArray(bytes, at, n));
            at += n;
        }
        return Source.from(chunks);
    }

    private static byte[] random(int size) {
        byte[] bytes = new byte[size];
        new SecureRandom().nextBytes(bytes);
        return bytes;
    }

    private static <T> T await(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @Test
    void aClientThatShutsItsOutputStillReceivesTheWholeReply() throws Exception {
        // The service replies only once the client's side has ended, as to a request read until EOF.
        byte[] reply = random(300_000);
        CompletableFuture<ByteString> request = new CompletableFuture<>();
        Flow<ByteString, ByteString, NotUsed> service = Flow.fromSinkAndSource(
                Sink.<ByteString, ByteString>fold(ByteString.emptyByteString(), ByteString::concat)
                        .mapMaterializedValue(got -> got.thenAccept(request::complete)),
                Source.completionStage(request).flatMapConcat(got -> pieces(reply, 20_000)));
        CompletableFuture<SSLSession> session = new CompletableFuture<>();
        ByteString received = await(Source.single(ByteString.fromString("GET everything"))
                .via(pair(client, session, new CompletableFuture<>()).join(service))
                .runFold(ByteString.emptyByteString(), ByteString::concat, system));
        assertEquals("GET everything", await(request).utf8String());
        assertArrayEquals(reply, received.toArray(), "the reply after the client's half-close");
        assertEquals("TLSv1.3", await(session).getProtocol());
    }

    @Test
    void theServiceEndingFirstLeavesTheClientsOutputOpen() throws Exception {
        // An echo that first says hello and ends its output before reading anything.
        CompletableFuture<ByteString> heard = new CompletableFuture<>();
        Flow<ByteString, ByteString, NotUsed> service = Flow.fromSinkAndSource(
                Sink.<ByteString, ByteString>fold(ByteString.emptyByteString(), ByteString::concat)
                        .mapMaterializedValue(got -> got.thenAccept(heard::complete)),
                Source.single(ByteString.fromString("hello, then nothing more")));
        CompletableFuture<ByteString> toClient = new CompletableFuture<>();
        byte[] afterwards = random(100_000);
        // The client sends only once the service's output has ended.
        CompletionStage<ByteString> fromService = Source.completionStage(toClient).flatMapConcat(x -> pieces(afterwards, 7000))
                .via(pair(client, new CompletableFuture<>(), new CompletableFuture<>())
                        .join(service))
                .runFold(ByteString.emptyByteString(), ByteString::concat, system);
        ByteString got = await(fromService);
        assertEquals("hello, then nothing more", got.utf8String());
        toClient.complete(ByteString.emptyByteString());
        assertArrayEquals(afterwards, await(heard).toArray(), "what the client sent after the service had ended");
    }

    @Test
    void largeTransfersBothWaysArriveWholeInAnyPieces() throws Exception {
        byte[] up = random(4 << 20);
        byte[] down = random(4 << 20);
        CompletableFuture<ByteString> atService = new CompletableFuture<>();
        Flow<ByteString, ByteString, NotUsed> service = Flow.fromSinkAndSource(
                Sink.<ByteString, ByteString>fold(ByteString.emptyByteString(), ByteString::concat)
                        .mapMaterializedValue(got -> got.thenAccept(atService::complete)),
                pieces(down, 200_000));
        ByteString atClient = await(pieces(up, 3000)
                .via(pair(client, new CompletableFuture<>(), new CompletableFuture<>()).join(service))
                .runFold(ByteString.emptyByteString(), ByteString::concat, system));
        assertArrayEquals(down, atClient.toArray());
        assertArrayEquals(up, await(atService).toArray());
    }

    @Test
    void aClientWithoutTheRequiredCertificateIsRefusedAndTheServerToldWhy() throws Exception {
        CompletableFuture<SSLSession> session = new CompletableFuture<>();
        CompletableFuture<SSLException> why = new CompletableFuture<>();
        CompletionStage<ByteString> received = Source.<ByteString>maybe()
                .via(pair(anonymousClient, session, why).join(Flow.<ByteString>create()))
                .runFold(ByteString.emptyByteString(), ByteString::concat, system);
        ExecutionException failure = assertThrows(ExecutionException.class, () -> await(received));
        boolean tls = false;
        for (Throwable t = failure; t != null; t = t.getCause()) {
            tls |= t instanceof SSLException;
        }
        assertTrue(tls, failure.toString());
        assertTrue(await(why).getMessage().toLowerCase(java.util.Locale.ROOT).contains("certificate"), await(why).getMessage());
        assertFalse(session.isDone(), "no session was verified");
    }

    @Test
    void eachPairOfStagesIsItsOwnSession() throws Exception {
        Flow<ByteString, ByteString, NotUsed> echo = Flow.create();
        for (int i = 0; i < 20; i++) {
            String message = "message " + i;
            assertEquals(message, await(Source.single(ByteString.fromString(message))
                    .via(pair(client, new CompletableFuture<>(), new CompletableFuture<>()).join(echo))
                    .runFold(ByteString.emptyByteString(), ByteString::concat, system)).utf8String());
        }
    }
}
