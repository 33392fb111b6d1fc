package io.cloakmesh.crypto.tls;

import io.cloakmesh.crypto.IoReasons;
import io.cloakmesh.crypto.KeyFileException;
import io.cloakmesh.crypto.SharedKey;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8DecryptorProviderBuilder;
import org.bouncycastle.openssl.jcajce.JcePEMDecryptorProviderBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;

/**
 * Reads certificates and private keys from PEM files as OpenSSL (and so Redis) writes them: PKCS#8,
 * encrypted PKCS#8, and the traditional RSA/EC forms, encrypted or not. Errors name the file and the
 * reason, never the contents.
 */
public final class PemFiles {
    /** A PEM file larger than this is not a certificate or key file. */
    private static final long MAX_PEM_BYTES = 1 << 20;
    /** Decrypts what OpenSSL encrypts (AES-CBC with PKCS7 padding), which the JDK's own providers do not name. */
    private static final BouncyCastleProvider BC = new BouncyCastleProvider();

    private PemFiles() {
    }

    /** Every certificate in the file, in order (a node certificate first, then its chain). */
    public static List<X509Certificate> certificates(String setting, Path file) throws TlsException {
        List<X509Certificate> certs = new ArrayList<>();
        for (Object o : objects(setting, file)) {
            if (o instanceof X509CertificateHolder holder) {
                certs.add(convert(setting, file, holder));
            }
        }
        if (certs.isEmpty()) {
            throw new TlsException(setting, file + " holds no PEM certificate");
        }
        return certs;
    }

    /** Certificates from a file and every readable PEM file of a directory (Redis's tls-ca-cert-dir). */
    public static List<X509Certificate> caCertificates(Optional<Path> file, Optional<Path> dir) throws TlsException {
        List<X509Certificate> all = new ArrayList<>();
        if (file.isPresent()) {
            all.addAll(certificates("ca-cert-file", file.get()));
        }
        if (dir.isPresent()) {
            if (!Files.isDirectory(dir.get())) {
                throw new TlsException("ca-cert-dir", dir.get() + " is not a directory");
            }
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir.get())) {
                for (Path entry : entries) {
                    if (Files.isRegularFile(entry)) {
                        for (Object o : objects("ca-cert-dir", entry)) {
                            if (o instanceof X509CertificateHolder holder) {
                                all.add(convert("ca-cert-dir", entry, holder));
                            }
                        }
                    }
                }
            } catch (IOException e) {
                throw new TlsException("ca-cert-dir", "cannot list " + dir.get() + ": " + IoReasons.describe(e), e);
            }
        }
        if (all.isEmpty()) {
            throw new TlsException(dir.isPresent() && file.isEmpty() ? "ca-cert-dir" : "ca-cert-file",
                    "no CA certificate found" + file.map(f -> " in " + f).orElse("") + dir.map(d -> " in " + d).orElse(""));
        }
        return all;
    }

    /**
     * The private key in the file, decrypted with {@code password} when it is encrypted. The file is
     * refused when other users can read it.
     */
    public static PrivateKey privateKey(String setting, Path file, Optional<String> password) throws TlsException {
        try {
            SharedKey.checkNotReadableByOthers(file);
        } catch (KeyFileException e) {
            throw new TlsException(setting, e.getMessage());
        }
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        for (Object o : objects(setting, file)) {
            try {
                if (o instanceof PrivateKeyInfo info) {
                    return converter.getPrivateKey(info);
                }
                if (o instanceof PEMKeyPair pair) {
                    return converter.getKeyPair(pair).getPrivate();
                }
                if (o instanceof PKCS8EncryptedPrivateKeyInfo encrypted) {
                    char[] pass = needPassword(setting, file, password);
                    return converter.getPrivateKey(encrypted.decryptPrivateKeyInfo(
                            new JceOpenSSLPKCS8DecryptorProviderBuilder().setProvider(BC).build(pass)));
                }
                if (o instanceof PEMEncryptedKeyPair encrypted) {
                    char[] pass = needPassword(setting, file, password);
                    return converter.getKeyPair(encrypted.decryptKeyPair(new JcePEMDecryptorProviderBuilder().setProvider(BC).build(pass)))
                            .getPrivate();
                }
            } catch (PKCSException | OperatorCreationException | IOException e) {
                throw new TlsException(setting + "-pass", "cannot decrypt the key in " + file
                        + " (wrong password, or a cipher this JVM lacks)", e);
            }
        }
        throw new TlsException(setting, file + " holds no PEM private key");
    }

    private static char[] needPassword(String setting, Path file, Optional<String> password) throws TlsException {
        return password.orElseThrow(() -> new TlsException(setting + "-pass",
                "the key in " + file + " is encrypted: set " + setting + "-pass")).toCharArray();
    }

    private static List<Object> objects(String setting, Path file) throws TlsException {
        try {
            if (Files.size(file) > MAX_PEM_BYTES) {
                throw new TlsException(setting, file + " is larger than " + MAX_PEM_BYTES + " bytes: not a PEM file");
            }
        } catch (IOException e) {
            throw new TlsException(setting, "cannot read " + file + ": " + IoReasons.describe(e), e);
        }
        List<Object> objects = new ArrayList<>();
        try (Reader reader = Files.newBufferedReader(file); PEMParser parser = new PEMParser(reader)) {
            for (Object o = parser.readObject(); o != null; o = parser.readObject()) {
                objects.add(o);
            }
        } catch (IOException e) {
            throw new TlsException(setting, "cannot read " + file + ": " + IoReasons.describe(e), e);
        }
        return objects;
    }

    private static X509Certificate convert(String setting, Path file, X509CertificateHolder holder) throws TlsException {
        try {
            return new JcaX509CertificateConverter().getCertificate(holder);
        } catch (CertificateException e) {
            throw new TlsException(setting, file + " holds a certificate that cannot be parsed: " + e.getMessage(), e);
        }
    }
}
