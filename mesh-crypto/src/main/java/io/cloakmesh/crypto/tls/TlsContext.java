package io.cloakmesh.crypto.tls;

import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * SSL contexts and engines for one {@link TlsConfig}: the server side presents cert-file and asks for a
 * client certificate as auth-clients says; the client side presents client-cert-file (or cert-file) and
 * trusts only the CA certificates given. Everything is read and checked once, here, so a bad file is an
 * error at start-up (or at reload), never a failed handshake later.
 */
public final class TlsContext {
    private static final char[] IN_MEMORY = "in-memory".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final TlsConfig config;
    private final SSLContext server;
    private final SSLContext client;
    private final X509Certificate certificate;
    private final String[] protocols;
    private final String[] suites;

    private TlsContext(TlsConfig config, SSLContext server, SSLContext client, X509Certificate certificate,
            String[] protocols, String[] suites) {
        this.config = config;
        this.server = server;
        this.client = client;
        this.certificate = certificate;
        this.protocols = protocols;
        this.suites = suites;
    }

    /** Reads every file of {@code config} and builds the contexts; names the setting at fault otherwise. */
    public static TlsContext load(TlsConfig config) throws TlsException {
        Identity serverIdentity = identity(config.certFile(), config.keyFile(), config.keyFilePass(), "");
        Identity clientIdentity = config.clientCertFile().isPresent()
                ? identity(config.clientCertFile(), config.clientKeyFile(), config.clientKeyFilePass(), "client-")
                : serverIdentity;
        boolean noCa = config.caCertFile().isEmpty() && config.caCertDir().isEmpty();
        if (noCa && config.authClients() != TlsConfig.ClientAuth.NO) {
            throw new TlsException("ca-cert-file", "required: the CA certificate that signs every peer");
        }
        try {
            TrustManagerFactory trust = TrustManagerFactory.getInstance("PKIX");
            if (noCa) {
                // A server that asks no client for a certificate trusts nobody in particular.
                trust.init((KeyStore) null);
            } else {
                List<X509Certificate> cas = PemFiles.caCertificates(config.caCertFile(), config.caCertDir());
                KeyStore anchors = KeyStore.getInstance("PKCS12");
                anchors.load(null, null);
                for (int i = 0; i < cas.size(); i++) {
                    anchors.setCertificateEntry("ca-" + i, cas.get(i));
                }
                trust.init(anchors);
            }
            SSLContext server = SSLContext.getInstance("TLS");
            server.init(keyManagers(serverIdentity), trust.getTrustManagers(), RANDOM);
            SSLContext client = SSLContext.getInstance("TLS");
            client.init(keyManagers(clientIdentity), trust.getTrustManagers(), RANDOM);
            sessions(server.getServerSessionContext(), config);
            sessions(client.getClientSessionContext(), config);
            SSLParameters supported = server.getSupportedSSLParameters();
            return new TlsContext(config, server, client, serverIdentity == null ? null : serverIdentity.chain()[0],
                    protocols(config, supported), suites(config, supported, server.getDefaultSSLParameters()));
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new TlsException("cert-file", "cannot build a TLS context: " + e.getMessage(), e);
        }
    }

    /** This endpoint's own certificate, if it has one. */
    public Optional<X509Certificate> certificate() {
        return Optional.ofNullable(certificate);
    }

    public SSLContext serverContext() {
        return server;
    }

    public SSLContext clientContext() {
        return client;
    }

    /** A server-mode engine with the configured protocols, suites and client authentication. */
    public SSLEngine serverEngine() {
        SSLEngine engine = server.createSSLEngine();
        engine.setUseClientMode(false);
        configure(engine);
        switch (config.authClients()) {
            case YES -> engine.setNeedClientAuth(true);
            case OPTIONAL -> engine.setWantClientAuth(true);
            case NO -> engine.setNeedClientAuth(false);
        }
        return engine;
    }

    /** A client-mode engine for a connection to {@code host:port} (which also keys session resumption). */
    public SSLEngine clientEngine(String host, int port) {
        SSLEngine engine = client.createSSLEngine(host, port);
        engine.setUseClientMode(true);
        configure(engine);
        return engine;
    }

    private void configure(SSLEngine engine) {
        engine.setEnabledProtocols(protocols);
        engine.setEnabledCipherSuites(suites);
        // Redis's tls-prefer-server-ciphers; before client authentication is set, which this would reset.
        javax.net.ssl.SSLParameters parameters = engine.getSSLParameters();
        parameters.setUseCipherSuitesOrder(config.preferServerCiphers());
        engine.setSSLParameters(parameters);
    }

    private record Identity(PrivateKey key, X509Certificate[] chain) {
    }

    private static Identity identity(Optional<Path> certFile, Optional<Path> keyFile, Optional<String> pass,
            String prefix) throws TlsException {
        if (certFile.isEmpty()) {
            if (keyFile.isPresent()) {
                throw new TlsException(prefix + "cert-file", "required with " + prefix + "key-file");
            }
            return null;
        }
        if (keyFile.isEmpty()) {
            throw new TlsException(prefix + "key-file", "required with " + prefix + "cert-file");
        }
        List<X509Certificate> chain = PemFiles.certificates(prefix + "cert-file", certFile.get());
        PrivateKey key = PemFiles.privateKey(prefix + "key-file", keyFile.get(), pass);
        X509Certificate leaf = chain.get(0);
        try {
            leaf.checkValidity();
        } catch (CertificateExpiredException e) {
            throw new TlsException(prefix + "cert-file", certFile.get() + " expired on " + leaf.getNotAfter().toInstant());
        } catch (CertificateNotYetValidException e) {
            throw new TlsException(prefix + "cert-file", certFile.get() + " is not valid before "
                    + leaf.getNotBefore().toInstant());
        }
        if (!matches(key, leaf)) {
            throw new TlsException(prefix + "key-file", keyFile.get() + " is not the key of the certificate in "
                    + certFile.get());
        }
        return new Identity(key, chain.toArray(X509Certificate[]::new));
    }

    /** Whether the key signs what the certificate's public key verifies. */
    private static boolean matches(PrivateKey key, X509Certificate cert) {
        String algorithm = switch (key.getAlgorithm()) {
            case "EC", "ECDSA" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            default -> key.getAlgorithm();
        };
        try {
            byte[] probe = new byte[32];
            RANDOM.nextBytes(probe);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(cert.getPublicKey());
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static KeyManager[] keyManagers(Identity identity) throws GeneralSecurityException, java.io.IOException {
        if (identity == null) {
            return null;
        }
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("identity", identity.key(), IN_MEMORY, identity.chain());
        KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        factory.init(store, IN_MEMORY);
        return factory.getKeyManagers();
    }

    private static void sessions(SSLSessionContext sessions, TlsConfig config) {
        // JSSE cannot switch caching off outright; without it, sessions live one second.
        sessions.setSessionCacheSize(config.sessionCaching() ? config.sessionCacheSize() : 1);
        sessions.setSessionTimeout(config.sessionCaching() ? (int) config.sessionCacheTimeout().toSeconds() : 1);
    }

    private static String[] protocols(TlsConfig config, SSLParameters supported) throws TlsException {
        Set<String> known = Set.of(supported.getProtocols());
        for (String p : config.protocols()) {
            if (!known.contains(p)) {
                throw new TlsException("protocols", "\"" + p + "\" is not a protocol this JVM supports (" + known + ")");
            }
        }
        if (config.protocols().isEmpty()) {
            throw new TlsException("protocols", "name at least one protocol, e.g. \"TLSv1.2 TLSv1.3\"");
        }
        return config.protocols().toArray(String[]::new);
    }

    /** TLS 1.2 suites from ciphers and TLS 1.3 suites from ciphersuites, each defaulting to the JVM's. */
    private static String[] suites(TlsConfig config, SSLParameters supported, SSLParameters defaults)
            throws TlsException {
        Set<String> known = Set.of(supported.getCipherSuites());
        List<String> result = new ArrayList<>();
        result.addAll(pick("ciphers", config.ciphers(), false, known, defaults));
        result.addAll(pick("ciphersuites", config.ciphersuites(), true, known, defaults));
        return result.toArray(String[]::new);
    }

    private static List<String> pick(String setting, List<String> wanted, boolean tls13, Set<String> known,
            SSLParameters defaults) throws TlsException {
        if (wanted.isEmpty()) {
            return Arrays.stream(defaults.getCipherSuites()).filter(s -> isTls13Suite(s) == tls13).toList();
        }
        for (String suite : wanted) {
            if (!known.contains(suite)) {
                throw new TlsException(setting, "\"" + suite + "\" is not a cipher suite this JVM supports (use IANA names, "
                        + (tls13 ? "e.g. TLS_AES_256_GCM_SHA384" : "e.g. TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384") + ")");
            }
            if (isTls13Suite(suite) != tls13) {
                throw new TlsException(setting, "\"" + suite + "\" is a TLS " + (tls13 ? "1.2" : "1.3") + " suite: list it under "
                        + (tls13 ? "ciphers" : "ciphersuites"));
            }
        }
        return wanted;
    }

    private static boolean isTls13Suite(String suite) {
        return suite.startsWith("TLS_AES_") || suite.startsWith("TLS_CHACHA20_");
    }
}
