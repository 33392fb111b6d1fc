package io.cloakmesh.crypto.pki;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloakmesh.crypto.tls.NodeCertificates;
import io.cloakmesh.crypto.tls.TlsConfig;
import io.cloakmesh.crypto.tls.TlsContext;
import io.cloakmesh.crypto.tls.TlsException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PkiTest {
    @TempDir
    Path dir;

    private final CertificateAuthority ca = CertificateAuthority.create("test-mesh", Duration.ofDays(3650));

    private Path[] write(String name, CertificateAuthority.Issued issued, Optional<String> password) throws Exception {
        Path cert = dir.resolve(name + ".crt");
        Path key = dir.resolve(name + ".key");
        PemOutput.writeCertificate(cert, issued.certificate());
        PemOutput.writePrivateKey(key, issued.key(), password);
        return new Path[] {cert, key};
    }

    private Path caFile(CertificateAuthority authority, String name) throws Exception {
        Path file = dir.resolve(name);
        PemOutput.writeCertificate(file, authority.certificate());
        return file;
    }

    private static CertificateAuthority.NodeRequest request(String name, Instant from, Instant to) {
        return new CertificateAuthority.NodeRequest(name, List.of("b1.dc-b.internal"), List.of("127.0.0.1", "::1"), from, to);
    }

    private static TlsConfig config(Path cert, Path key, Optional<String> pass, Path ca) {
        return new TlsConfig(Optional.ofNullable(cert), Optional.ofNullable(key), pass, Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.ofNullable(ca), Optional.empty(), List.of("TLSv1.2", "TLSv1.3"), List.of(),
                List.of(), false, TlsConfig.ClientAuth.YES, true, 20480, Duration.ofSeconds(300));
    }

    @Test
    void nodeCertificateNamesItsNodeAndHostsAndIsSignedByTheCa() throws Exception {
        Instant now = Instant.now();
        X509Certificate cert = ca.issue(request("b1", now, now.plus(Duration.ofDays(365)))).certificate();
        cert.verify(ca.certificate().getPublicKey());
        assertEquals(Optional.of("b1"), NodeCertificates.nodeName(cert));
        assertTrue(NodeCertificates.dnsNames(cert).containsAll(List.of("b1", "b1.dc-b.internal")));
        assertTrue(NodeCertificates.namesHost(cert, "127.0.0.1"));
        assertTrue(NodeCertificates.namesHost(cert, "0:0:0:0:0:0:0:1"));
        assertTrue(NodeCertificates.namesHost(cert, "B1.DC-B.internal"));
        assertTrue(!NodeCertificates.namesHost(cert, "10.0.0.1") && !NodeCertificates.namesHost(cert, "a1"));
        assertEquals(-1, cert.getBasicConstraints());
        assertEquals(List.of("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"), cert.getExtendedKeyUsage());
        assertEquals(0, ca.certificate().getBasicConstraints());
    }

    @Test
    void keysAreWrittenOwnerOnlyCertificatesWorldReadableAndNothingIsOverwritten() throws Exception {
        Path[] files = write("b1", ca.issue(request("b1", Instant.now(), Instant.now().plusSeconds(3600))), Optional.empty());
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(files[0])));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(files[1])));
        assertThrows(FileAlreadyExistsException.class, () -> PemOutput.writeCertificate(files[0], ca.certificate()));
    }

    @Test
    void encryptedKeysNeedTheirPasswordAndBadMaterialNamesTheSetting() throws Exception {
        Instant now = Instant.now();
        Path caFile = caFile(ca, "ca.crt");
        Path[] enc = write("enc", ca.issue(request("b1", now, now.plusSeconds(3600))), Optional.of("s3cret-pass"));
        assertTrue(Files.readString(enc[1]).contains("ENCRYPTED PRIVATE KEY"));
        TlsContext.load(config(enc[0], enc[1], Optional.of("s3cret-pass"), caFile));
        assertEquals("key-file-pass", assertThrows(TlsException.class,
                () -> TlsContext.load(config(enc[0], enc[1], Optional.empty(), caFile))).setting());
        TlsException wrong = assertThrows(TlsException.class,
                () -> TlsContext.load(config(enc[0], enc[1], Optional.of("nope"), caFile)));
        assertEquals("key-file-pass", wrong.setting());
        assertTrue(!wrong.getMessage().contains("nope"), wrong.getMessage());

        Path[] other = write("other", ca.issue(request("b2", now, now.plusSeconds(3600))), Optional.empty());
        TlsException mismatch = assertThrows(TlsException.class,
                () -> TlsContext.load(config(enc[0], other[1], Optional.empty(), caFile)));
        assertEquals("key-file", mismatch.setting());

        Path[] expired = write("old", ca.issue(request("b3", now.minus(Duration.ofDays(30)), now.minus(Duration.ofDays(1)))),
                Optional.empty());
        TlsException old = assertThrows(TlsException.class, () -> TlsContext.load(config(expired[0], expired[1], Optional.empty(), caFile)));
        assertEquals("cert-file", old.setting());
        assertTrue(old.getMessage().contains("expired"), old.getMessage());

        Files.setPosixFilePermissions(other[1], PosixFilePermissions.fromString("rw-r--r--"));
        assertTrue(assertThrows(TlsException.class, () -> TlsContext.load(config(other[0], other[1], Optional.empty(), caFile)))
                .getMessage().contains("readable by other users"));
        assertEquals("ca-cert-file", assertThrows(TlsException.class,
                () -> TlsContext.load(config(enc[0], enc[1], Optional.of("s3cret-pass"), dir.resolve("missing.crt")))).setting());
        assertEquals("ca-cert-file", assertThrows(TlsException.class,
                () -> TlsContext.load(config(enc[0], enc[1], Optional.of("s3cret-pass"), null))).setting());
    }

    @Test
    void mutualTlsAcceptsTheMeshCaOnlyAndCarriesBytes() throws Exception {
        Instant now = Instant.now();
        Path caFile = caFile(ca, "ca.crt");
        Path[] server = write("server", ca.issue(request("b1", now, now.plusSeconds(3600))), Optional.empty());
        Path[] client = write("client", ca.issue(request("a1", now, now.plusSeconds(3600))), Optional.empty());
        TlsContext serverTls = TlsContext.load(config(server[0], server[1], Optional.empty(), caFile));
        assertEquals("pong", exchange(serverTls, TlsContext.load(config(client[0], client[1], Optional.empty(), caFile))));

        CertificateAuthority rogueCa = CertificateAuthority.create("rogue", Duration.ofDays(30));
        Path[] rogue = write("rogue", rogueCa.issue(request("a1", now, now.plusSeconds(3600))), Optional.empty());
        // The rogue trusts the real CA, so only the server's check of the client certificate stops it.
        assertThrows(Exception.class, () -> exchange(serverTls,
                TlsContext.load(config(rogue[0], rogue[1], Optional.empty(), caFile))));
        assertThrows(Exception.class, () -> exchange(serverTls, TlsContext.load(config(null, null, Optional.empty(), caFile))));
    }

    /** One TLS connection over loopback: the client writes "ping", the server answers "pong". */
    private static String exchange(TlsContext serverTls, TlsContext clientTls) throws Exception {
        try (SSLServerSocket listener = (SSLServerSocket) serverTls.serverContext().getServerSocketFactory().createServerSocket(0)) {
            listener.setSSLParameters(serverTls.serverEngine().getSSLParameters());
            CompletableFuture<Void> served = CompletableFuture.runAsync(() -> {
                try (SSLSocket s = (SSLSocket) listener.accept()) {
                    s.getInputStream().readNBytes(4);
                    s.getOutputStream().write("pong".getBytes());
                    s.getOutputStream().flush();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            try (SSLSocket s = (SSLSocket) clientTls.clientContext().getSocketFactory().createSocket("127.0.0.1", listener.getLocalPort())) {
                s.setSoTimeout(5000);
                s.setSSLParameters(clientTls.clientEngine("127.0.0.1", listener.getLocalPort()).getSSLParameters());
                OutputStream out = s.getOutputStream();
                out.write("ping".getBytes());
                out.flush();
                InputStream in = s.getInputStream();
                String answer = new String(in.readNBytes(4));
                if (answer.length() < 4) {
                    throw new IllegalStateException("connection closed: " + answer);
                }
                served.get();
                return answer;
            }
        }
    }
}
