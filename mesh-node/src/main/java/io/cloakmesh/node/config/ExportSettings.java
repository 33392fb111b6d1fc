package io.cloakmesh.node.config;

import io.cloakmesh.crypto.tls.TlsConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One service this node exports ({@code exports.NAME}).
 *
 * @param kind the kind's name, as {@link KindCatalog} knows it
 * @param details what the kind adds (its targets, or where a Redis Cluster is read), read by the kind
 * @param filter the export's command filter, for kinds that take one (those listing {@code filter} in their keys)
 * @param tls how the exit reaches its Redis over TLS, when the export has a tls block
 */
public record ExportSettings(String name, String kind, Duration connectTimeout, ServiceDetails details,
        Optional<FilterSettings> filter, Optional<TlsConfig> tls) {
    private static final List<String> COMMON = List.of("kind", "connect-timeout", "tls");

    /** These settings with another filter block. */
    public ExportSettings withFilter(Optional<FilterSettings> other) {
        return new ExportSettings(name, kind, connectTimeout, details, other, tls);
    }

    /** The kind's details as the kind's own type. */
    public <T extends ServiceDetails> T details(Class<T> type) {
        return type.cast(details);
    }

    /**
     * Every entry of {@code exports}, each over {@code defaults} (export-defaults in reference.conf), its
     * filter block over {@code filterDefaults}, its tls block over {@code tlsDefaults}.
     */
    static Map<String, ExportSettings> readAll(Settings exports, Settings defaults, Settings filterDefaults,
            Settings tlsDefaults, KindCatalog kinds) throws InvalidSettingException {
        defaults.onlyKeys(KindKeys.all(COMMON, kinds, KindReader::exportKeys));
        return exports.entries((name, own) -> {
            Settings e = own.over(defaults);
            KindReader kind = KindKeys.kindOf(e, kinds);
            own.onlyKeys(KindKeys.known(COMMON, kind, kinds, KindReader::exportKeys));
            Optional<FilterSettings> filter = own.has("filter")
                    ? Optional.of(FilterSettings.read(own, filterDefaults)) : Optional.empty();
            Optional<TlsConfig> tls = own.has("tls")
                    ? Optional.of(TlsSettings.readClient(own.at("tls").over(tlsDefaults))) : Optional.empty();
            return new ExportSettings(name, kind.name(), e.duration("connect-timeout", false), kind.readExport(e), filter,
                    tls);
        });
    }
}
