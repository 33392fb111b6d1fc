package io.cloakmesh.node.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import io.cloakmesh.node.transport.TransportKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

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
        root.onlyKeys(List.of("transport", "node", "cluster", "link", "exports", "imports", "export-defaults",
                "import-defaults", "filter-defaults", "tls-defaults", "routing", "shutdown", "admin", "metrics"));
        if (TransportKind.parse(root.string("transport")).isEmpty()) {
            throw new InvalidSettingException(root.full("transport"), "must be netty or pekko-io");
        }
        Settings node = root.at("node");
        node.onlyKeys(List.of("name", "datacenter"));
        LinkSettings link = LinkSettings.read(root.at("link"));
        Map<String, ExportSettings> exports = ExportSettings.readAll(root.at("exports"), root.at("export-defaults"),
                root.at("filter-defaults"), root.at("tls-defaults"), kinds);
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
                ClusterSettings.read(root.at("cluster"), node.string("name")),
                link,
                exports,
                ImportSettings.readAll(root.at("imports"), root.at("import-defaults"), root.at("tls-defaults"), kinds),
                routing.duration("load-publish-interval", false),
                shutdown.duration("drain-deadline", true),
                AdminSettings.read(root.at("admin")),
                metrics.duration("log-interval", true),
                nodeFile);
        if (link.tls() && settings.cluster().tls().isEmpty()) {
            throw new InvalidSettingException(root.full("link.security.mode"), "tls uses the node's mesh certificate and CA "
                    + "of cluster.tls: set cluster.tls.cert-file, key-file and ca-cert-file");
        }
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

}
