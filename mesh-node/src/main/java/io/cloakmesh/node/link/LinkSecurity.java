package io.cloakmesh.node.link;

import io.cloakmesh.crypto.tls.NodeCertificates;
import io.cloakmesh.node.routing.ExportRow;
import io.cloakmesh.node.tls.ReloadingTls;
import io.cloakmesh.node.tls.TlsStage;
import io.cloakmesh.protocol.pipe.Pipe;
import io.cloakmesh.protocol.pipe.PipeSettings;
import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.BidiFlow;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.util.ByteString;

/**
 * How a link is secured between entry and exit, application bytes on the left and the network on the
 * right: the spiped pipe with the mesh keys ({@code psk}, spiped-compatible) or mutual TLS 1.3 with the
 * mesh CA ({@code tls}), where the exit's certificate must name the node the routing table says it is and
 * the entry's must name a member of the mesh. Either completes {@code authenticated} once the peer has
 * proved itself, which is what the exit's handshake budget and the warm links wait for.
 */
interface LinkSecurity {
    /**
     * How many resumable sessions an entry keeps per exit in tls mode. JSSE (Java 17) caches one session
     * per host and port it is given, and a TLS 1.3 ticket serves once: links dialled back to back (a warm
     * pool refilling) would find it spent before the last link's new ticket arrived, and make the full
     * handshake. So an entry names its links to one exit in turn by {@code port + (slot << 16)}, a
     * cache key only (the port dialled is the real one), and each finds the ticket its slot's last link
     * received.
     */
    int RESUMPTION_SLOTS = 8;

    /** The entry's side of a link to {@code exit}; it materializes when both directions have ended. */
    BidiFlow<ByteString, ByteString, ByteString, ByteString, CompletionStage<Done>> entry(ExportRow exit,
            CompletableFuture<Done> authenticated);

    /** The exit's side of an accepted link; it materializes when both directions have ended. */
    BidiFlow<ByteString, ByteString, ByteString, ByteString, CompletionStage<Done>> exit(CompletableFuture<Done> authenticated);

    /** The spiped pipe; its settings (the mesh keys) are read for each link, so a reload can change them. */
    static LinkSecurity psk(Supplier<PipeSettings> pipe) {
        return new LinkSecurity() {
            @Override
            public BidiFlow<ByteString, ByteString, ByteString, ByteString, CompletionStage<Done>> entry(ExportRow exit,
                    CompletableFuture<Done> authenticated) {
                return Pipe.client(pipe.get(), authenticated);
            }

            @Override
            public BidiFlow<ByteString, ByteString, ByteString, ByteString, CompletionStage<Done>> exit(
                    CompletableFuture<Done> authenticated) {
                return Pipe.server(pipe.get(), authenticated);
            }
        };
    }

    /**
     * Mutual TLS 1.3 with the node's mesh certificate ({@code cluster.tls}'s material, reloaded as it
     * changes); {@code members} names the nodes now in the mesh; {@code handshakes} counts each link's
     * handshake as full or resumed. A resumed session keeps the certificates of the one it resumes, and
     * is checked as a full one is; a reload starts a new session cache.
     */
    static LinkSecurity tls(ReloadingTls tls, Supplier<Set<String>> members, LinkHandshakes handshakes) {
        Map<String, AtomicInteger> dialled = new ConcurrentHashMap<>();
        return new LinkSecurity() {
            @Override
            public BidiFlow<ByteString, ByteString, ByteString, ByteString, CompletionStage<Done>> entry(ExportRow exit,
                    CompletableFuture<Done> authenticated) {
                int slot = Math.floorMod(dialled.computeIfAbsent(exit.linkAddress(), a -> new AtomicInteger())
                        .getAndIncrement(), RESUMPTION_SLOTS);
                return ended(authenticated).atop(counted(true, handshakes,
                        () -> tls.current().clientEngine(exit.linkHost(), exit.linkPort() + (slot << 16)), session -> {
                    String named = peerNode(session, authenticated);
                    if (!named.equals(exit.node())) {
                        throw refused(authenticated, "the exit at " + exit.linkHost() + ":" + exit.linkPort()
                                + " presented a certificate naming node " + named + ", not " + exit.node()
                                + " as the routing table says");
                    }
                    authenticated.complete(Done.getInstance());
                }, authenticated::completeExceptionally));
            }

            @Override
            public BidiFlow<ByteString, ByteString, ByteString, ByteString, CompletionStage<Done>> exit(
                    CompletableFuture<Done> authenticated) {
                return ended(authenticated).atop(counted(false, handshakes, () -> tls.current().serverEngine(), session -> {
                    String named = peerNode(session, authenticated);
                    if (!members.get().contains(named)) {
                        throw refused(authenticated, "the entry's certificate names node " + named
                                + ", which is not a member of the mesh");
                    }
                    authenticated.complete(Done.getInstance());
                }, authenticated::completeExceptionally));
            }
        };
    }

    /**
     * Plaintext passing through, materializing when both directions have ended, as the pipe's stage
     * does; a link that ends before the handshake fails {@code authenticated}.
     */
    private static BidiFlow<ByteString, ByteString, ByteString, ByteString, CompletionStage<Done>> ended(
            CompletableFuture<Done> authenticated) {
        return BidiFlow.fromFlowsMat(
                Flow.of(ByteString.class).watchTermination(Keep.right()),
                Flow.of(ByteString.class).watchTermination(Keep.right()),
                (out, in) -> {
                    in.whenComplete((done, failure) -> {
                        if (failure != null) {
                            authenticated.completeExceptionally(failure);
                        }
                    });
                    CompletableFuture<Done> both = CompletableFuture.allOf(out.toCompletableFuture(), in.toCompletableFuture())
                            .thenApply(x -> Done.getInstance());
                    both.whenComplete((done, failure) -> authenticated.completeExceptionally(failure != null ? failure
                            : new SSLException("the link ended before its TLS handshake")));
                    return both;
                });
    }

    /**
     * A link's TLS 1.3 stage with engines from {@code engines}, its handshake counted as full or resumed
     * before {@code verify} sees the session.
     */
    private static BidiFlow<ByteString, ByteString, ByteString, ByteString, NotUsed> counted(boolean entry,
            LinkHandshakes handshakes, Supplier<SSLEngine> engines, Consumer<SSLSession> verify,
            Consumer<SSLException> failed) {
        AtomicLong started = new AtomicLong();
        return TlsStage.of(() -> {
            started.set(System.currentTimeMillis());
            return tls13(engines.get());
        }, session -> {
            handshakes.count(entry, session, started.get());
            verify.accept(session);
        }, failed);
    }

    private static SSLEngine tls13(SSLEngine engine) {
        engine.setEnabledProtocols(new String[] {"TLSv1.3"});
        return engine;
    }

    private static String peerNode(SSLSession session, CompletableFuture<Done> authenticated) {
        try {
            Optional<String> name = NodeCertificates.nodeName((X509Certificate) session.getPeerCertificates()[0]);
            return name.orElseThrow(() -> refused(authenticated, "the peer's certificate names no node"));
        } catch (SSLPeerUnverifiedException e) {
            throw refused(authenticated, "the peer presented no certificate");
        }
    }

    /** Fails the link's authentication with {@code why} (the TLS stage would not pass it on) and the handshake. */
    private static IllegalStateException refused(CompletableFuture<Done> authenticated, String why) {
        SSLException refusal = new SSLException(why);
        authenticated.completeExceptionally(refusal);
        return new IllegalStateException(refusal);
    }
}
