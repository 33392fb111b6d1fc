package io.cloakmesh.node.tls;

import io.cloakmesh.crypto.tls.NodeCertificates;
import io.cloakmesh.crypto.tls.TlsContext;
import io.cloakmesh.node.logging.LogRateLimit;
import io.cloakmesh.node.net.Failures;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import org.apache.pekko.remote.artery.tcp.SSLEngineProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Option;

/**
 * The cluster transport's TLS (Artery {@code tls-tcp}): mutual authentication with certificates of the
 * mesh CA only (the trust manager checks the chain and validity), and a peer certificate must name a
 * node. A node this one dials must present a certificate for the host it was dialed at, and the node
 * that certificate names is remembered per cluster address, so {@code NodeRoster} can check that each
 * member is the node its certificate names.
 */
public final class ClusterTlsProvider implements SSLEngineProvider {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterTlsProvider.class);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(3);
    private static final LogRateLimit REFUSALS = new LogRateLimit(Duration.ofSeconds(5));

    private final ReloadingTls tls;
    private final Consumer<String> handshakeCompleted;
    /** "host:port" of a dialed cluster address → the node its certificate names. */
    private final Map<String, String> certifiedNames = new ConcurrentHashMap<>();

    /** @param handshakeCompleted told the client random of each incoming handshake that completed */
    public ClusterTlsProvider(ReloadingTls tls, Consumer<String> handshakeCompleted) {
        this.tls = tls;
        this.handshakeCompleted = handshakeCompleted;
    }

    /** When the node's cluster certificate in force now expires. */
    public Optional<java.time.Instant> certificateExpiry() {
        return tls.current().certificate().map(c -> c.getNotAfter().toInstant());
    }

    @Override
    public SSLEngine createServerSSLEngine(String hostname, int port) {
        return new WitnessedServerEngine(tls.current().serverEngine(), handshakeCompleted);
    }

    @Override
    public SSLEngine createClientSSLEngine(String hostname, int port) {
        return tls.current().clientEngine(hostname, port);
    }

    /** After this node dialed {@code hostname}: the server must be a node certified for that host. */
    @Override
    public Option<Throwable> verifyClientSession(String hostname, SSLSession session) {
        return refusal(session, "dialed " + hostname + ":" + session.getPeerPort(), hostname)
                .map(Option::<Throwable>apply)
                .orElseGet(() -> {
                    certifiedNames.put(hostname + ":" + session.getPeerPort(), nodeName(session));
                    return Option.empty();
                });
    }

    /** After a peer dialed this node: it must have presented a node certificate. */
    @Override
    public Option<Throwable> verifyServerSession(String hostname, SSLSession session) {
        return refusal(session, "incoming", null).map(Option::<Throwable>apply).orElse(Option.empty());
    }

    /**
     * Dials {@code host:port} with this node's cluster TLS and checks that the certificate served there
     * is a node certificate for that host naming {@code expectedNode}; the refusal, if any, in words.
     * Blocks for at most {@link #PROBE_TIMEOUT}: it runs while a node is asking to join. A refusal only
     * when a certificate was seen and is wrong; none when the dial itself fails.
     */
    public Optional<String> probe(String host, int port, String expectedNode) {
        TlsContext context = tls.current();
        try (SSLSocket socket = (SSLSocket) context.clientContext().getSocketFactory().createSocket()) {
            socket.connect(new InetSocketAddress(host, port), (int) PROBE_TIMEOUT.toMillis());
            socket.setSoTimeout((int) PROBE_TIMEOUT.toMillis());
            socket.setSSLParameters(context.clientEngine(host, port).getSSLParameters());
            socket.startHandshake();
            Optional<Throwable> refused = refusal(socket.getSession(), "joining node at " + host + ":" + port, host);
            if (refused.isPresent()) {
                return Optional.of(refused.get().getMessage());
            }
            String named = nodeName(socket.getSession());
            certifiedNames.put(host + ":" + port, named);
            return named.equals(expectedNode) ? Optional.empty() : Optional.of("the node joining from " + host + ":" + port
                    + " claims to be " + expectedNode + " but its certificate names node " + named);
        } catch (IOException e) {
            // A slow or unreachable joiner is not refused for good (Pekko would stop it): it cannot take part
            // without answering this node's own connections, whose certificates NodeRoster checks again.
            LOG.warn("cluster TLS: could not check the certificate of the node joining from {}:{} ({}); "
                    + "letting the join proceed, the roster checks it once connected", host, port, Failures.rootMessage(e));
            return Optional.empty();
        }
    }

    /** The node named by the certificate presented at a cluster address this node dialed, if it did. */
    public Optional<String> certifiedName(String hostPort) {
        return Optional.ofNullable(certifiedNames.get(hostPort));
    }

    private static Optional<Throwable> refusal(SSLSession session, String connection, String host) {
        X509Certificate peer;
        try {
            Certificate[] chain = session.getPeerCertificates();
            peer = (X509Certificate) chain[0];
        } catch (SSLPeerUnverifiedException e) {
            return refuse(connection + ": the peer presented no certificate");
        }
        Optional<String> name = NodeCertificates.nodeName(peer);
        if (name.isEmpty() || !name.get().matches("[A-Za-z0-9][A-Za-z0-9_-]{0,62}")) {
            return refuse(connection + ": the peer's certificate names no node");
        }
        if (host != null && !NodeCertificates.namesHost(peer, host)) {
            return refuse(connection + ": the certificate of node " + name.get() + " is not for host " + host);
        }
        return Optional.empty();
    }

    private static Optional<Throwable> refuse(String reason) {
        REFUSALS.occurred(skipped -> LOG.warn("cluster TLS: refused {}{}", reason,
                skipped > 0 ? " (" + skipped + " more refusals not logged)" : ""));
        return Optional.of(new SecurityException(reason));
    }

    private static String nodeName(SSLSession session) {
        try {
            return NodeCertificates.nodeName((X509Certificate) session.getPeerCertificates()[0]).orElseThrow();
        } catch (SSLPeerUnverifiedException e) {
            throw new IllegalStateException("verified session without a peer certificate", e);
        }
    }
}
