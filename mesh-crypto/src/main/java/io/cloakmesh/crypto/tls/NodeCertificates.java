package io.cloakmesh.crypto.tls;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * What a mesh certificate says about its holder: the node it names (its subject CN, which
 * {@code mesh-admin pki issue NAME} sets) and the hosts it may serve (its DNS and IP subject
 * alternative names).
 */
public final class NodeCertificates {
    private static final int SAN_DNS = 2;
    private static final int SAN_IP = 7;

    private NodeCertificates() {
    }

    /** The node the certificate names: its subject's common name. */
    public static Optional<String> nodeName(X509Certificate cert) {
        try {
            for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    return Optional.of(rdn.getValue().toString());
                }
            }
        } catch (InvalidNameException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    public static List<String> dnsNames(X509Certificate cert) {
        return alternativeNames(cert, SAN_DNS);
    }

    public static List<String> ipAddresses(X509Certificate cert) {
        return alternativeNames(cert, SAN_IP);
    }

    /** Whether the certificate may serve {@code host}: an IP literal among its IP names, or a DNS name. */
    public static boolean namesHost(X509Certificate cert, String host) {
        if (isIpLiteral(host)) {
            InetAddress wanted = literal(host);
            return ipAddresses(cert).stream().anyMatch(ip -> literal(ip).equals(wanted));
        }
        return dnsNames(cert).stream().anyMatch(dns -> dns.equalsIgnoreCase(host));
    }

    static boolean isIpLiteral(String host) {
        return host.contains(":") || host.matches("[0-9.]+");
    }

    private static InetAddress literal(String ip) {
        try {
            // Only ever given literals, so no name lookup happens here.
            return InetAddress.getByName(ip);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP literal: " + ip, e);
        }
    }

    private static List<String> alternativeNames(X509Certificate cert, int type) {
        List<String> names = new ArrayList<>();
        try {
            Collection<List<?>> all = cert.getSubjectAlternativeNames();
            if (all != null) {
                for (List<?> entry : all) {
                    if (entry.size() >= 2 && Integer.valueOf(type).equals(entry.get(0))) {
                        names.add(entry.get(1).toString());
                    }
                }
            }
        } catch (CertificateParsingException e) {
            return List.of();
        }
        return names;
    }
}
