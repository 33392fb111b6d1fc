package io.cloakmesh.node.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cloakmesh.crypto.pki.CertificateAuthority;
import io.cloakmesh.crypto.pki.PemOutput;
import io.cloakmesh.crypto.tls.NodeCertificates;
import io.cloakmesh.crypto.tls.TlsConfig;
import io.cloakmesh.node.testing.Poll;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Certificates are rotated by replacing their files: new connections get the new ones, bad files are ignored. */
class ReloadingTlsTest {
    @TempDir
    Path dir;

    private final CertificateAuthority ca = CertificateAuthority.create("reload test", Duration.ofDays(1));

    private void issue(String node, Path cert, Path key) throws Exception {
        CertificateAuthority.Issued issued = ca.issue(new CertificateAuthority.NodeRequest(node, List.of(),
                List.of("127.0.0.1"), Instant.now().minusSeconds(60), Instant.now().plus(Duration.ofDays(1))));
        Files.deleteIfExists(cert);
        Files.deleteIfExists(key);
        PemOutput.writeCertificate(cert, issued.certificate());
        PemOutput.writePrivateKey(key, issued.key(), Optional.empty());
    }

    private static String node(ReloadingTls tls) {
        return tls.current().certificate().flatMap(NodeCertificates::nodeName).orElse("?");
    }

    @Test
    void replacedFilesAreUsedAndFilesThatDoNotLoadAreNot() throws Exception {
        Path caFile = dir.resolve("ca.crt");
        PemOutput.writeCertificate(caFile, ca.certificate());
        Path cert = dir.resolve("node.crt");
        Path key = dir.resolve("node.key");
        issue("first", cert, key);
        ReloadingTls tls = ReloadingTls.load("test TLS", new TlsConfig(Optional.of(cert), Optional.of(key), Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.of(caFile), Optional.empty(),
                List.of("TLSv1.3"), List.of(), List.of(), false, TlsConfig.ClientAuth.YES, true, 100, Duration.ofSeconds(60)));
        assertEquals("first", node(tls));

        issue("second", cert, key);
        Poll.until(Duration.ofSeconds(20), "the new certificate in use", () -> node(tls).equals("second"));

        // A file that does not load is skipped (the previous material stays in use), and the next good
        // pair is still picked up.
        Files.delete(cert);
        Files.writeString(cert, "not a certificate at all\n");
        assertEquals("second", node(tls));
        issue("third", cert, key);
        Poll.until(Duration.ofSeconds(20), "the third certificate in use", () -> node(tls).equals("third"));
    }
}
