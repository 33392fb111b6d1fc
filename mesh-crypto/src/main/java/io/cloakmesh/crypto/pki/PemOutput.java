package io.cloakmesh.crypto.pki;

import java.io.IOException;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.Optional;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.util.io.pem.PemObject;

/**
 * Writes certificates and keys as PEM. Files are created new (never overwritten) with their final mode
 * from the start: 0600 for keys, 0644 for certificates. Keys are PKCS#8, encrypted with AES-256 under a
 * PBKDF2-derived key when a password is given.
 */
public final class PemOutput {
    private static final String KEY_MODE = "rw-------";
    private static final String CERT_MODE = "rw-r--r--";
    /** OpenSSL's PKCS#8 encryption names its padding PKCS7, which only Bouncy Castle's provider knows. */
    private static final BouncyCastleProvider BC = new BouncyCastleProvider();

    private PemOutput() {
    }

    public static void writeCertificate(Path file, X509Certificate certificate) throws IOException {
        create(file, CERT_MODE, pem(certificate));
    }

    public static void writePrivateKey(Path file, PrivateKey key, Optional<String> password) throws IOException {
        PemObject pem;
        try {
            JcaPKCS8Generator generator = password.isEmpty() ? new JcaPKCS8Generator(key, null)
                    : new JcaPKCS8Generator(key, new JceOpenSSLPKCS8EncryptorBuilder(NISTObjectIdentifiers.id_aes256_CBC)
                            .setProvider(BC).setRandom(new SecureRandom()).setPassword(password.get().toCharArray()).build());
            pem = generator.generate();
        } catch (OperatorCreationException e) {
            throw new IOException("cannot encrypt the key: " + e.getMessage(), e);
        }
        create(file, KEY_MODE, pem(pem));
    }

    private static String pem(Object object) throws IOException {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            writer.writeObject(object);
        }
        return text.toString();
    }

    private static void create(Path file, String mode, String content) throws IOException {
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(mode)));
        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.US_ASCII, StandardOpenOption.WRITE)) {
            out.write(content);
        }
    }
}
