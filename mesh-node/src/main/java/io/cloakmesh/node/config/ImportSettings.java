package io.cloakmesh.node.config;

import io.cloakmesh.crypto.tls.TlsConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One service this node imports ({@code imports.NAME}).
 *
 * @param datacenter only exporters in this datacenter serve it; empty for any
 * @param details what the kind adds (where a Redis Cluster's nodes get their endpoints), read by the kind
 * @param tls how clients reach the import over TLS, when it has a tls block
 */
public record ImportSettings(String name, String kind, HostPort listen, Optional<String> datacenter,
        int maxConnections, ServiceDetails details, Optional<TlsConfig> tls, Duration handshakeTimeout, int maxHandshakes) {
    private static final List<String> COMMON = List.of("kind", "listen", "datacenter", "max-connections", "tls",
            "handshake-timeout", "max-handshakes");

    public <T extends ServiceDetails> T details(Class<T> type) {
        return type.cast(details);
    }

    /**
     * Every entry of {@code imports}, each over {@code defaults} (import-defaults in reference.conf), its
     * tls block over {@code tlsDefaults}.
     */
    static Map<String, ImportSettings> readAll(Settings imports, Settings defaults, Settings tlsDefaults, KindCatalog kinds)
            throws InvalidSettingException {
        defaults.onlyKeys(KindKeys.all(COMMON, kinds, KindReader::importKeys));
        return imports.entries((name, own) -> {
            Settings i = own.over(defaults);
            KindReader kind = KindKeys.kindOf(i, kinds);
            own.onlyKeys(KindKeys.known(COMMON, kind, kinds, KindReader::importKeys));
            String dc = i.string("datacenter");
            if (!dc.isEmpty()) {
                Settings.checkName(i.full("datacenter"), dc);
            }
            int max = i.integer("max-connections", 1, 1_000_000);
            HostPort listen = i.hostPort("listen");
            Optional<TlsConfig> tls = own.has("tls")
                    ? Optional.of(TlsSettings.readServer(own.at("tls").over(tlsDefaults))) : Optional.empty();
            return new ImportSettings(name, kind.name(), listen, dc.isEmpty() ? Optional.empty() : Optional.of(dc), max,
                    kind.readImport(i, listen), tls, i.duration("handshake-timeout", false),
                    i.integer("max-handshakes", 1, 100_000));
        });
    }
}
