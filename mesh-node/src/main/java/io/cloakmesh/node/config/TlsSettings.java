package io.cloakmesh.node.config;

import io.cloakmesh.crypto.tls.TlsConfig;
import io.cloakmesh.crypto.tls.TlsContext;
import io.cloakmesh.crypto.tls.TlsException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Reads a {@code tls { ... }} block, whose settings carry Redis's names and meanings (see the cluster
 * block of reference.conf), and loads its files once so that a bad certificate, key or password is
 * an error naming its setting before the node binds anything.
 */
final class TlsSettings {
    private static final List<String> KEYS = List.of("cert-file", "key-file", "key-file-pass", "client-cert-file",
            "client-key-file", "client-key-file-pass", "ca-cert-file", "ca-cert-dir", "protocols", "ciphers",
            "ciphersuites", "prefer-server-ciphers", "auth-clients", "session-caching", "session-cache-size", "session-cache-timeout");

    private TlsSettings() {
    }

    /** The block's settings, checked and with their files loaded; names the setting at fault. */
    static TlsConfig read(Settings s) throws InvalidSettingException {
        s.onlyKeys(KEYS);
        return new TlsConfig(
                path(s, "cert-file"), path(s, "key-file"), secret(s, "key-file-pass"),
                path(s, "client-cert-file"), path(s, "client-key-file"), secret(s, "client-key-file-pass"),
                path(s, "ca-cert-file"), path(s, "ca-cert-dir"),
                words(s, "protocols"), words(s, "ciphers"), words(s, "ciphersuites"), yesNo(s, "prefer-server-ciphers"),
                clientAuth(s), yesNo(s, "session-caching"),
                s.integer("session-cache-size", 1, 10_000_000), s.duration("session-cache-timeout", false));
    }

    /** A service's block for a TLS listener (an import): a certificate is required; files checked now. */
    static TlsConfig readServer(Settings s) throws InvalidSettingException {
        TlsConfig config = read(s);
        if (!config.hasCertificate()) {
            throw new InvalidSettingException(s.full("cert-file"), "required: a TLS import serves its clients this certificate");
        }
        if (config.authClients() != TlsConfig.ClientAuth.NO && config.caCertFile().isEmpty() && config.caCertDir().isEmpty()) {
            throw new InvalidSettingException(s.full("ca-cert-file"), "required to check client certificates while "
                    + "auth-clients is " + config.authClients().name().toLowerCase(Locale.ROOT) + " (or set auth-clients = no)");
        }
        load(s, config);
        return config;
    }

    /** A service's block for TLS to a server (an export's Redis): a CA to verify it is required; files checked now. */
    static TlsConfig readClient(Settings s) throws InvalidSettingException {
        TlsConfig config = read(s);
        if (config.caCertFile().isEmpty() && config.caCertDir().isEmpty()) {
            throw new InvalidSettingException(s.full("ca-cert-file"), "required: the CA that signed the Redis server's "
                    + "certificate (or ca-cert-dir)");
        }
        load(s, config);
        return config;
    }

    /** Loads the material of {@code config}, turning a {@link TlsException} into the failing setting's path. */
    static TlsContext load(Settings s, TlsConfig config) throws InvalidSettingException {
        try {
            return TlsContext.load(config);
        } catch (TlsException e) {
            throw new InvalidSettingException(s.full(e.setting()), e.getMessage());
        }
    }

    private static Optional<Path> path(Settings s, String key) throws InvalidSettingException {
        String value = s.string(key);
        return value.isEmpty() ? Optional.empty() : Optional.of(Path.of(value));
    }

    private static Optional<String> secret(Settings s, String key) throws InvalidSettingException {
        String value = s.string(key);
        return value.isEmpty() ? Optional.empty() : Optional.of(value);
    }

    /** A Redis-style list: words separated by spaces (or colons, as OpenSSL cipher lists are written). */
    private static List<String> words(Settings s, String key) throws InvalidSettingException {
        return Arrays.stream(s.string(key).split("[\\s:]+")).filter(w -> !w.isEmpty()).toList();
    }

    private static TlsConfig.ClientAuth clientAuth(Settings s) throws InvalidSettingException {
        String value = s.string("auth-clients").toLowerCase(Locale.ROOT);
        return switch (value) {
            case "yes" -> TlsConfig.ClientAuth.YES;
            case "no" -> TlsConfig.ClientAuth.NO;
            case "optional" -> TlsConfig.ClientAuth.OPTIONAL;
            default -> throw new InvalidSettingException(s.full("auth-clients"), "\"" + value
                    + "\" is not one of yes, no, optional");
        };
    }

    private static boolean yesNo(Settings s, String key) throws InvalidSettingException {
        return switch (s.string(key).toLowerCase(Locale.ROOT)) {
            case "yes", "true", "on" -> true;
            case "no", "false", "off" -> false;
            default -> throw new InvalidSettingException(s.full(key), "expected yes or no");
        };
    }
}
