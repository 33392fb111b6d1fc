package io.cloakmesh.node.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How an exit learns a Redis Cluster's topology: from the first of {@code seeds} (or of the nodes it
 * already knows) that answers, every {@code refreshInterval} and on demand; and whether entries let
 * clients run scripts and functions on it ({@code allowScripts}: a script's reply may carry real node
 * addresses, which the mesh cannot rewrite).
 */
public record RedisClusterSource(List<HostPort> seeds, Optional<RedisCredentials> credentials, Duration refreshInterval,
        boolean allowScripts) implements ServiceDetails {

    /** A Redis Cluster's seeds and the credentials the mesh uses; the password file is a secret like a key. */
    public static RedisClusterSource read(Settings e) throws InvalidSettingException {
        List<HostPort> seeds = e.nonEmptyAddresses("seeds", "seed node of the cluster");
        String username = e.string("username");
        String passwordFile = e.string("password-file");
        Optional<RedisCredentials> credentials = Optional.empty();
        if (!passwordFile.isEmpty()) {
            String password = e.secretFile("password-file", passwordFile);
            if (password.isEmpty() || password.contains("\n")) {
                throw new InvalidSettingException(e.full("password-file"), passwordFile
                        + " must hold the password on one line");
            }
            credentials = Optional.of(new RedisCredentials(username, password));
        } else if (!username.isEmpty()) {
            throw new InvalidSettingException(e.full("password-file"), "required with username " + username);
        }
        return new RedisClusterSource(seeds, credentials, e.duration("refresh-interval", false), e.flag("allow-scripts"));
    }

    @Override
    public Map<String, HostPort> addresses() {
        return ServiceDetails.listed("seeds", seeds);
    }
}
