package io.cloakmesh.node.config;

import io.cloakmesh.crypto.tls.TlsConfig;
import java.util.List;
import java.util.Optional;

/**
 * The admin API: where it listens, its bearer token, and HTTPS.
 *
 * @param tls HTTPS for the admin API, when a certificate is given
 */
public record AdminSettings(HostPort listen, String token, Optional<TlsConfig> tls) {
    static Optional<AdminSettings> read(Settings s) throws InvalidSettingException {
        s.onlyKeys(List.of("listen", "token-file", "tls"));
        HostPort listen = s.optionalHostPort("listen");
        if (listen == null) {
            return Optional.empty();
        }
        Settings tlsBlock = s.at("tls");
        TlsConfig tls = TlsSettings.read(tlsBlock);
        Optional<TlsConfig> https = Optional.empty();
        if (tls.hasCertificate()) {
            TlsSettings.load(tlsBlock, tls);
            https = Optional.of(tls);
        }
        String tokenFile = s.string("token-file");
        if (tokenFile.isEmpty()) {
            throw new InvalidSettingException(s.full("token-file"),
                    "required while admin.listen is set (admin.listen = \"\" turns the admin API off)");
        }
        String token = s.secretFile("token-file", tokenFile);
        if (token.length() < 16) {
            throw new InvalidSettingException(s.full("token-file"), tokenFile + " holds fewer than 16 characters");
        }
        return Optional.of(new AdminSettings(listen, token, https));
    }
}
