package io.cloakmesh.crypto.tls;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * One TLS endpoint's settings, named as Redis names them (tls-cert-file becomes {@code certFile}, and so
 * on). The cert and key serve both as server and, unless the client pair is given, as client identity.
 *
 * @param protocols enabled protocol versions, e.g. TLSv1.2 and TLSv1.3
 * @param ciphers TLS 1.2 cipher suites by their IANA names; empty = the JVM's defaults
 * @param ciphersuites TLS 1.3 cipher suites; empty = the JVM's defaults
 */
public record TlsConfig(
        Optional<Path> certFile,
        Optional<Path> keyFile,
        Optional<String> keyFilePass,
        Optional<Path> clientCertFile,
        Optional<Path> clientKeyFile,
        Optional<String> clientKeyFilePass,
        Optional<Path> caCertFile,
        Optional<Path> caCertDir,
        List<String> protocols,
        List<String> ciphers,
        List<String> ciphersuites,
        boolean preferServerCiphers,
        ClientAuth authClients,
        boolean sessionCaching,
        int sessionCacheSize,
        Duration sessionCacheTimeout) {

    /** Redis's tls-auth-clients: whether a server asks for, or insists on, a client certificate. */
    public enum ClientAuth { YES, NO, OPTIONAL }

    /** Whether this endpoint has an identity of its own to present. */
    public boolean hasCertificate() {
        return certFile.isPresent();
    }

    /** Every file the material is read from, so a watcher can tell when to load it again. */
    public List<Path> files() {
        return java.util.stream.Stream.of(certFile, keyFile, clientCertFile, clientKeyFile, caCertFile, caCertDir)
                .flatMap(Optional::stream).toList();
    }

    @Override
    public String toString() {
        // Never print the key passwords.
        return "TlsConfig[cert-file=" + certFile.orElse(null) + ", key-file=" + keyFile.orElse(null)
                + ", client-cert-file=" + clientCertFile.orElse(null) + ", ca-cert-file=" + caCertFile.orElse(null)
                + ", ca-cert-dir=" + caCertDir.orElse(null) + ", protocols=" + protocols + ", auth-clients="
                + authClients + "]";
    }
}
