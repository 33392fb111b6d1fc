package io.cloakmesh.node.config;

import io.cloakmesh.crypto.tls.NodeCertificates;
import io.cloakmesh.crypto.tls.TlsConfig;
import io.cloakmesh.crypto.tls.TlsContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The Pekko cluster this node joins: its addresses, split-brain resolver, failure detectors, TLS, and
 * the gate on its port.
 *
 * @param tls mutual TLS for cluster traffic; empty only when every cluster address is loopback
 */
public record ClusterSettings(HostPort bind, HostPort canonical, List<HostPort> seedNodes, String sbrStrategy,
        Duration sbrStableAfter, int sbrQuorumSize, Duration heartbeatInterval, Duration acceptablePause,
        Duration crossDcHeartbeatInterval, Duration crossDcAcceptablePause, Optional<TlsConfig> tls,
        Duration handshakeTimeout, int maxHandshakes) {
    private static final List<String> SBR_STRATEGIES = List.of("keep-majority", "keep-oldest", "static-quorum", "down-all");

    static ClusterSettings read(Settings s, String nodeName) throws InvalidSettingException {
        s.onlyKeys(List.of("bind", "canonical", "seed-nodes", "split-brain-resolver", "failure-detector",
                "cross-datacenter-failure-detector", "tls", "handshake-timeout", "max-handshakes"));
        HostPort bind = s.hostPort("bind");
        HostPort canonical = s.optionalHostPort("canonical");
        List<HostPort> seeds = s.hostPorts("seed-nodes");
        if (seeds.isEmpty()) {
            throw new InvalidSettingException(s.full("seed-nodes"), "list at least one seed node (host:port)");
        }
        Settings sbr = s.at("split-brain-resolver");
        sbr.onlyKeys(List.of("active-strategy", "stable-after", "quorum-size"));
        String strategy = sbr.required("active-strategy");
        if (!SBR_STRATEGIES.contains(strategy)) {
            throw new InvalidSettingException(sbr.full("active-strategy"),
                    "\"" + strategy + "\" is not one of " + String.join(", ", SBR_STRATEGIES));
        }
        int quorum = sbr.integer("quorum-size", 0, 1000);
        if (strategy.equals("static-quorum") && quorum < 1) {
            throw new InvalidSettingException(sbr.full("quorum-size"), "static-quorum needs a quorum-size of 1 or more");
        }
        Settings fd = s.at("failure-detector");
        fd.onlyKeys(List.of("heartbeat-interval", "acceptable-heartbeat-pause"));
        Settings crossFd = s.at("cross-datacenter-failure-detector");
        crossFd.onlyKeys(List.of("heartbeat-interval", "acceptable-heartbeat-pause"));
        HostPort reachedAt = canonical == null ? bind : canonical;
        return new ClusterSettings(bind, reachedAt, seeds, strategy,
                sbr.duration("stable-after", false), quorum,
                fd.duration("heartbeat-interval", false), fd.duration("acceptable-heartbeat-pause", false),
                crossFd.duration("heartbeat-interval", false), crossFd.duration("acceptable-heartbeat-pause", false),
                clusterTls(s.at("tls"), nodeName, bind, reachedAt, seeds),
                s.duration("handshake-timeout", false), s.integer("max-handshakes", 1, 100_000));
    }

    /**
     * Cluster traffic carries membership, the routing table and admin commands, so it is mutual TLS with
     * certificates of the mesh CA; plain only while it never leaves this host.
     */
    private static Optional<TlsConfig> clusterTls(Settings s, String nodeName, HostPort bind, HostPort canonical,
            List<HostPort> seeds) throws InvalidSettingException {
        TlsConfig config = TlsSettings.read(s);
        if (!config.hasCertificate()) {
            List<HostPort> all = new ArrayList<>(List.of(bind, canonical));
            all.addAll(seeds);
            for (HostPort address : all) {
                if (!isLoopback(address.host())) {
                    throw new InvalidSettingException(s.full("cert-file"), "required: cluster traffic leaves this host ("
                            + address + "); plain cluster traffic is allowed only when every cluster address is loopback");
                }
            }
            return Optional.empty();
        }
        if (config.authClients() != TlsConfig.ClientAuth.YES) {
            throw new InvalidSettingException(s.full("auth-clients"), "must be yes: only nodes with a certificate of the "
                    + "mesh CA may join the cluster");
        }
        TlsContext context = TlsSettings.load(s, config);
        String named = context.certificate().flatMap(NodeCertificates::nodeName).orElse("(no CN)");
        if (!named.equals(nodeName)) {
            throw new InvalidSettingException(s.full("cert-file"), "the certificate names node " + named + ", not "
                    + nodeName + " (mesh-admin pki issue " + nodeName + " makes one)");
        }
        return Optional.of(config);
    }

    static boolean isLoopback(String host) {
        return host.equals("localhost") || host.startsWith("127.") || host.equals("::1")
                || host.equals("0:0:0:0:0:0:0:1");
    }
}
