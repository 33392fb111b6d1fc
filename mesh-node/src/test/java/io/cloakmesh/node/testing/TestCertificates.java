package io.cloakmesh.node.testing;

import io.cloakmesh.crypto.pki.CertificateAuthority;
import io.cloakmesh.crypto.pki.PemOutput;
import io.cloakmesh.crypto.tls.TlsConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** A test CA whose certificate is written to {@code dir/<name>.crt}, issuing node certificates as PEM files there. */
public final class TestCertificates {
    public final CertificateAuthority authority;
    public final Path caFile;
    private final Path dir;

    public TestCertificates(Path dir, String name) throws IOException {
        this.dir = dir;
        this.authority = CertificateAuthority.create(name, Duration.ofDays(30));
        this.caFile = dir.resolve(name.replace(' ', '-') + ".crt");
        PemOutput.writeCertificate(caFile, authority.certificate());
    }

    /**
     * A TLS block as a test's client or server takes it: {@code identity} (certificate, key) if any, trusting
     * {@code ca}, no session cache.
     */
    public static TlsConfig tls(Optional<Path[]> identity, Path ca, TlsConfig.ClientAuth auth, String... protocols) {
        return new TlsConfig(identity.map(i -> i[0]), identity.map(i -> i[1]), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.of(ca), Optional.empty(), List.of(protocols), List.of(), List.of(),
                false, auth, false, 1, Duration.ofSeconds(1));
    }

    /** {@code <file>.crt} and {@code <file>.key}: a certificate naming {@code node} at {@code ip}, valid from an hour ago for a day. */
    public Path[] issue(String node, String ip, String file) throws IOException {
        Instant now = Instant.now();
        return issue(authority, dir, node, ip, file, now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(1)));
    }

    /** {@code dir/<file>.crt} and {@code .key}: a certificate of {@code authority} naming {@code node} at {@code ip}. */
    public static Path[] issue(CertificateAuthority authority, Path dir, String node, String ip, String file, Instant from,
            Instant to) throws IOException {
        CertificateAuthority.Issued issued = authority.issue(new CertificateAuthority.NodeRequest(node, List.of(), List.of(ip),
                from, to));
        Path cert = dir.resolve(file + ".crt");
        Path key = dir.resolve(file + ".key");
        PemOutput.writeCertificate(cert, issued.certificate());
        PemOutput.writePrivateKey(key, issued.key(), Optional.empty());
        return new Path[] {cert, key};
    }
}
