package io.cloakmesh.node.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import io.cloakmesh.crypto.IoReasons;
import io.cloakmesh.crypto.KeyFileException;
import io.cloakmesh.crypto.SharedKey;
import io.cloakmesh.crypto.tls.NodeCertificates;
import io.cloakmesh.crypto.tls.TlsConfig;
import io.cloakmesh.crypto.tls.TlsContext;
import io.cloakmesh.node.transport.TransportKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Everything a mesh node is told by its configuration file, checked as a whole at start-up.
 * reference.conf documents each setting; {@link #load} names the path of the first one that is wrong.
 */
public record MeshSettings(
        String nodeName,
        String datacenter,
        ClusterSettings cluster,
        LinkSettings link,
        Map<String, ExportSettings> exports,
        Map<String, ImportSettings> imports,
        Duration loadPublishInterval,
        Duration drainDeadline,
        Optional<AdminSettings> admin,
        Duration metricsLogInterval,
        Config nodeFile) {

    /**
     * @param tls mutual TLS for cluster traffic; empty only when every cluster address is loopback
     */
    public record ClusterSettings(HostPort bind, HostPort canonical, List<HostPort> seedNodes, String sbrStrategy,
            Duration sbrStableAfter, int sbrQuorumSize, Duration heartbeatInterval, Duration acceptablePause,
            Duration crossDcHeartbeatInterval, Duration crossDcAcceptablePause, Optional<TlsConfig> tls,
            Duration handshakeTimeout, int maxHandshakes) {
    }

    /**
     * @param warmLinks links an entry keeps through the handshake per exporter, waiting for a client
     * @param warmIdle how long an entry keeps a warm link unused; an exit closes one unused for twice that
     */
    public record LinkSettings(Optional<HostPort> listen, Optional<HostPort> advertise, SharedKey key,
            Duration connectTimeout, Duration openTimeout, int maxLinks, int maxHandshakes, Duration failurePenalty,
            int warmLinks, Duration warmIdle) {
    }

    /**
     * @param kind the kind's name, as {@link KindCatalog} knows it
     * @param details what the kind adds (its targets, or where a Redis Cluster is read), read by the kind
     */
    public record ExportSettings(String name, String kind, Duration connectTimeout, ServiceDetails details) {
        /** The kind's details as the kind's own type. */
        public <T extends ServiceDetails> T details(Class<T> type) {
            return type.cast(details);
        }
    }

    /**
     * @param details what the kind adds (where a Redis Cluster's nodes get their endpoints), read by the kind
     */
    public record ImportSettings(String name, String kind, HostPort listen, Optional<String> datacenter,
            int maxConnections, ServiceDetails details) {
        public <T extends ServiceDetails> T details(Class<T> type) {
            return type.cast(details);
        }
    }

    /** @param tls HTTPS for the admin API, when a certificate is given */
    public record AdminSettings(HostPort listen, String token, Optional<TlsConfig> tls) {
    }

    /** spiped accepts any key file; a mesh key must carry at least as much entropy as the key it derives. */
    private static final int MIN_MESH_KEY_BYTES = 32;
    private static final List<String> SBR_STRATEGIES = List.of("keep-majority", "keep-oldest", "static-quorum", "down-all");

    /** Reads and checks a node file over the defaults of reference.conf. */
    public static MeshSettings load(Path file, KindCatalog kinds) throws InvalidSettingException {
        if (!Files.isReadable(file)) {
            throw new InvalidSettingException(file.toString(), "cannot read the configuration file");
        }
        try {
            return fromConfig(ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false)), kinds);
        } catch (ConfigException e) {
            throw new InvalidSettingException(file.toString(), e.getMessage());
        }
    }

    /** Checks a node's own settings (without defaults) over reference.conf. */
    public static MeshSettings fromConfig(Config nodeFile, KindCatalog kinds) throws InvalidSettingException {
        Config config = nodeFile.withFallback(ConfigFactory.defaultReference()).resolve();
        Settings root = new Settings(config, "").at("cloakmesh");
        root.onlyKeys(List.of("transport", "node", "cluster", "link", "exports", "imports", "routing", "shutdown", "admin",
                "metrics"));
        if (TransportKind.parse(root.string("transport")).isEmpty()) {
            throw new InvalidSettingException(root.full("transport"), "must be netty or pekko-io");
        }
        Settings node = root.at("node");
        node.onlyKeys(List.of("name", "datacenter"));
        LinkSettings link = link(root.at("link"));
        Map<String, ExportSettings> exports = exports(root.at("exports"), kinds);
        if (!exports.isEmpty() && link.listen().isEmpty()) {
            throw new InvalidSettingException(root.full("link.listen"),
                    "required because this node exports " + String.join(", ", exports.keySet()));
        }
        Settings routing = root.at("routing");
        routing.onlyKeys(List.of("load-publish-interval"));
        Settings shutdown = root.at("shutdown");
        shutdown.onlyKeys(List.of("drain-deadline"));
        Settings metrics = root.at("metrics");
        metrics.onlyKeys(List.of("log-interval"));
        MeshSettings settings = new MeshSettings(
                node.name("name"),
                node.name("datacenter"),
                cluster(root.at("cluster"), node.string("name")),
                link,
                exports,
                imports(root.at("imports"), kinds),
                routing.duration("load-publish-interval", false),
                shutdown.duration("drain-deadline", true),
                admin(root.at("admin")),
                metrics.duration("log-interval", true),
                nodeFile);
        settings.checkAddresses();
        return settings;
    }

    /**
     * Every host resolves, and no two listeners of this node want the same port on overlapping
     * addresses (the second would fail to bind only after the first had started).
     */
    private void checkAddresses() throws InvalidSettingException {
        Map<String, HostPort> listeners = new LinkedHashMap<>();
        listeners.put("cloakmesh.cluster.bind", cluster.bind());
        link.listen().ifPresent(l -> listeners.put("cloakmesh.link.listen", l));
        imports.values().stream().sorted(Comparator.comparing(ImportSettings::name))
                .forEach(i -> listeners.put("cloakmesh.imports." + i.name() + ".listen", i.listen()));
        admin.ifPresent(a -> listeners.put("cloakmesh.admin.listen", a.listen()));
        List<Map.Entry<String, HostPort>> seen = new ArrayList<>();
        for (Map.Entry<String, HostPort> l : listeners.entrySet()) {
            Settings.resolvable(l.getKey(), l.getValue());
            for (Map.Entry<String, HostPort> earlier : seen) {
                HostPort a = earlier.getValue();
                HostPort b = l.getValue();
                if (a.port() != 0 && a.port() == b.port()
                        && (a.host().equals(b.host()) || HostPort.isWildcard(a.host()) || HostPort.isWildcard(b.host()))) {
                    throw new InvalidSettingException(l.getKey(), b + " is also " + earlier.getKey() + " (" + a
                            + "): every listener needs a port of its own");
                }
            }
            seen.add(l);
        }
        for (int i = 0; i < cluster.seedNodes().size(); i++) {
            Settings.resolvable("cloakmesh.cluster.seed-nodes[" + i + "]", cluster.seedNodes().get(i));
        }
        Settings.resolvable("cloakmesh.cluster.canonical", cluster.canonical());
        for (ExportSettings e : exports.values()) {
            for (Map.Entry<String, HostPort> a : e.details().addresses().entrySet()) {
                Settings.resolvable("cloakmesh.exports." + e.name() + "." + a.getKey(), a.getValue());
            }
        }
        checkNodePorts(listeners);
    }

    /** An import's port range is all its own: no other listener of this node may be in one. */
    private void checkNodePorts(Map<String, HostPort> listeners) throws InvalidSettingException {
        List<ImportSettings> byName = imports.values().stream().sorted(Comparator.comparing(ImportSettings::name)).toList();
        for (ImportSettings i : byName) {
            if (i.details().ports().isEmpty()) {
                continue;
            }
            ServiceDetails.PortRange range = i.details().ports().get();
            String path = "cloakmesh.imports." + i.name() + "." + range.setting();
            for (Map.Entry<String, HostPort> a : i.details().addresses().entrySet()) {
                Settings.resolvable("cloakmesh.imports." + i.name() + "." + a.getKey(), a.getValue());
            }
            for (Map.Entry<String, HostPort> l : listeners.entrySet()) {
                if (l.getValue().port() != 0 && range.covers(l.getValue().port())) {
                    throw new InvalidSettingException(path, range.first() + "-" + range.last() + " contains "
                            + l.getKey() + " (" + l.getValue() + ")");
                }
            }
            for (ImportSettings other : byName) {
                if (other == i) {
                    break;
                }
                if (other.details().ports().filter(range::overlaps).isPresent()) {
                    throw new InvalidSettingException(path, "overlaps the " + range.setting() + " of import " + other.name());
                }
            }
        }
    }

    private static ClusterSettings cluster(Settings s, String nodeName) throws InvalidSettingException {
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

    private static LinkSettings link(Settings s) throws InvalidSettingException {
        s.onlyKeys(List.of("listen", "advertise", "security", "connect-timeout", "open-timeout", "max-links", "max-handshakes",
                "failure-penalty", "warm-links", "warm-idle"));
        Optional<HostPort> listen = Optional.ofNullable(s.optionalHostPort("listen"));
        Optional<HostPort> advertise = Optional.ofNullable(s.optionalHostPort("advertise"));
        if (listen.isPresent() && advertise.isEmpty() && HostPort.isWildcard(listen.get().host())) {
            throw new InvalidSettingException(s.full("advertise"),
                    "required when listen is a wildcard address: entry nodes need an address they can reach");
        }
        if (advertise.isPresent() && advertise.get().port() == 0) {
            throw new InvalidSettingException(s.full("advertise"), "needs a real port, not 0");
        }
        Settings security = s.at("security");
        security.onlyKeys(List.of("mode", "key-file"));
        String mode = security.required("mode");
        if (!mode.equals("psk")) {
            throw new InvalidSettingException(security.full("mode"), "\"" + mode + "\" is not supported (supported: psk)");
        }
        String keyFile = security.required("key-file");
        SharedKey key;
        try {
            key = SharedKey.fromFile(Path.of(keyFile));
            long size = Files.size(Path.of(keyFile));
            if (size < MIN_MESH_KEY_BYTES) {
                throw new InvalidSettingException(security.full("key-file"), keyFile + " holds " + size
                        + " bytes; a mesh key is at least " + MIN_MESH_KEY_BYTES + " random bytes (mesh-admin keygen FILE makes one)");
            }
        } catch (IOException e) {
            throw new InvalidSettingException(security.full("key-file"), "cannot read " + keyFile + ": "
                    + IoReasons.describe(e));
        } catch (KeyFileException e) {
            throw new InvalidSettingException(security.full("key-file"), e.getMessage());
        }
        return new LinkSettings(listen, advertise, key,
                s.duration("connect-timeout", false), s.duration("open-timeout", false),
                s.integer("max-links", 1, 1_000_000), s.integer("max-handshakes", 1, 100_000),
                s.duration("failure-penalty", true), s.integer("warm-links", 0, 64), s.duration("warm-idle", false));
    }

    private static Map<String, ExportSettings> exports(Settings s, KindCatalog kinds) throws InvalidSettingException {
        return s.entries((name, e) -> {
            KindReader kind = kind(e, kinds);
            e.onlyKeys(keys(List.of("kind", "connect-timeout"), kind, kinds, KindReader::exportKeys));
            Duration timeout = e.has("connect-timeout") ? e.duration("connect-timeout", false) : Duration.ofSeconds(2);
            return new ExportSettings(name, kind.name(), timeout, kind.readExport(e));
        });
    }

    private static Map<String, ImportSettings> imports(Settings s, KindCatalog kinds) throws InvalidSettingException {
        return s.entries((name, i) -> {
            KindReader kind = kind(i, kinds);
            i.onlyKeys(keys(List.of("kind", "listen", "datacenter", "max-connections"), kind, kinds, KindReader::importKeys));
            String dc = i.has("datacenter") ? i.string("datacenter") : "";
            if (!dc.isEmpty()) {
                Settings.checkName(i.full("datacenter"), dc);
            }
            int max = i.has("max-connections") ? i.integer("max-connections", 1, 1_000_000) : 1000;
            HostPort listen = i.hostPort("listen");
            return new ImportSettings(name, kind.name(), listen, dc.isEmpty() ? Optional.empty() : Optional.of(dc), max,
                    kind.readImport(i, listen));
        });
    }

    private static KindReader kind(Settings e, KindCatalog kinds) throws InvalidSettingException {
        String kind = e.has("kind") ? e.required("kind") : kinds.defaultKind();
        return kinds.reader(kind).orElseThrow(() -> new InvalidSettingException(e.full("kind"), "\"" + kind
                + "\" is not supported (supported: " + String.join(", ", kinds.readers().stream().map(KindReader::name).toList())
                + ")"));
    }

    /**
     * The keys a block of {@code kind} may have; a key only other kinds use is refused with their names,
     * which says more than "unknown".
     */
    private static Settings.KnownKeys keys(List<String> common, KindReader kind, KindCatalog kinds,
            Function<KindReader, List<String>> own) {
        List<String> known = new ArrayList<>(common);
        known.addAll(own.apply(kind));
        Map<String, List<String>> elsewhere = new LinkedHashMap<>();
        for (KindReader other : kinds.readers()) {
            own.apply(other).stream().filter(key -> !known.contains(key))
                    .forEach(key -> elsewhere.computeIfAbsent(key, k -> new ArrayList<>()).add(other.name()));
        }
        return new Settings.KnownKeys(known, key -> elsewhere.containsKey(key)
                ? Optional.of("not used by kind " + kind.name() + " (only for kind " + String.join(", ", elsewhere.get(key)) + ")")
                : Optional.empty());
    }

    private static Optional<AdminSettings> admin(Settings s) throws InvalidSettingException {
        s.onlyKeys(List.of("listen", "token-file", "tls"));
        HostPort listen = s.optionalHostPort("listen");
        if (listen == null) {
            return Optional.empty();
        }
        Settings tlsBlock = s.at("tls");
        TlsConfig tls = TlsSettings.read(tlsBlock);
        Optional<TlsConfig> https = Optional.empty();
        if (tls.hasCertificate()) {
            TlsSettings.load(tlsBlock, tls);
            https = Optional.of(tls);
        }
        String tokenFile = s.string("token-file");
        if (tokenFile.isEmpty()) {
            throw new InvalidSettingException(s.full("token-file"),
                    "required while admin.listen is set (admin.listen = \"\" turns the admin API off)");
        }
        String token = s.secretFile("token-file", tokenFile);
        if (token.length() < 16) {
            throw new InvalidSettingException(s.full("token-file"), tokenFile + " holds fewer than 16 characters");
        }
        return Optional.of(new AdminSettings(listen, token, https));
    }
}
