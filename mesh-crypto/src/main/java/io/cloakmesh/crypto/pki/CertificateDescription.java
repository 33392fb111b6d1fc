package io.cloakmesh.crypto.pki;

import io.cloakmesh.crypto.tls.NodeCertificates;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** A certificate in the lines an operator checks: who, for what, signed by whom, valid until when. */
public final class CertificateDescription {
    private CertificateDescription() {
    }

    public static List<String> lines(X509Certificate cert, Clock clock) {
        List<String> lines = new ArrayList<>();
        lines.add("subject:     " + cert.getSubjectX500Principal().getName());
        lines.add("node:        " + NodeCertificates.nodeName(cert).orElse("(no CN)"));
        lines.add("issuer:      " + cert.getIssuerX500Principal().getName());
        lines.add("serial:      " + cert.getSerialNumber().toString(16));
        lines.add("kind:        " + (cert.getBasicConstraints() >= 0 ? "CA" : "node") + ", " + cert.getPublicKey().getAlgorithm()
                + " key, " + cert.getSigAlgName());
        if (!NodeCertificates.dnsNames(cert).isEmpty()) {
            lines.add("dns names:   " + String.join(", ", NodeCertificates.dnsNames(cert)));
        }
        if (!NodeCertificates.ipAddresses(cert).isEmpty()) {
            lines.add("ip names:    " + String.join(", ", NodeCertificates.ipAddresses(cert)));
        }
        lines.add("usage:       " + usage(cert));
        lines.add("not before:  " + cert.getNotBefore().toInstant());
        lines.add("not after:   " + cert.getNotAfter().toInstant() + " (" + remaining(cert, clock.instant()) + ")");
        lines.add("sha-256:     " + fingerprint(cert));
        return lines;
    }

    private static String remaining(X509Certificate cert, Instant now) {
        if (now.isBefore(cert.getNotBefore().toInstant())) {
            return "not valid yet";
        }
        Duration left = Duration.between(now, cert.getNotAfter().toInstant());
        return left.isNegative() ? "EXPIRED" : left.toDays() + " days left";
    }

    private static String usage(X509Certificate cert) {
        List<String> usage = new ArrayList<>();
        boolean[] ku = cert.getKeyUsage();
        String[] names = {"digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment", "keyAgreement",
            "keyCertSign", "cRLSign", "encipherOnly", "decipherOnly"};
        for (int i = 0; ku != null && i < Math.min(ku.length, names.length); i++) {
            if (ku[i]) {
                usage.add(names[i]);
            }
        }
        try {
            List<String> eku = cert.getExtendedKeyUsage();
            if (eku != null) {
                eku.forEach(oid -> usage.add(switch (oid) {
                    case "1.3.6.1.5.5.7.3.1" -> "serverAuth";
                    case "1.3.6.1.5.5.7.3.2" -> "clientAuth";
                    default -> oid;
                }));
            }
        } catch (CertificateParsingException e) {
            usage.add("(unreadable extended key usage)");
        }
        return usage.isEmpty() ? "(none)" : String.join(", ", usage);
    }

    public static String fingerprint(X509Certificate cert) {
        try {
            return HexFormat.ofDelimiter(":").formatHex(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            throw new IllegalStateException("cannot fingerprint a certificate: " + e.getMessage(), e);
        }
    }
}
