package io.cloakmesh.node.config;

import io.cloakmesh.crypto.IoReasons;
import io.cloakmesh.crypto.KeyFileException;
import io.cloakmesh.crypto.SharedKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Links between entry and exit nodes: the exit's listener, the mesh key, timeouts and limits.
 *
 * @param tls links in mutual TLS 1.3 with the node's mesh certificate (cluster.tls) instead of the spiped pipe
 * @param keys the mesh keys of psk mode: links are dialled with the first and accepted with any (a key rotation)
 * @param warmLinks links an entry keeps through the handshake per exporter, waiting for a client
 * @param warmIdle how long an entry keeps a warm link unused; an exit closes one unused for twice that
 * @param hedge whether an open with no answer within the hedge delay (from the observed open latency,
 *     within {@code hedgeDelayMin}..{@code hedgeDelayMax}) starts the next exporter's beside it
 */
public record LinkSettings(Optional<HostPort> listen, Optional<HostPort> advertise, boolean tls, List<SharedKey> keys,
        Duration connectTimeout, Duration openTimeout, int maxLinks, int maxHandshakes, Duration failurePenalty,
        int warmLinks, Duration warmIdle, boolean hedge, Duration hedgeDelayMin, Duration hedgeDelayMax) {
    /** spiped accepts any key file; a mesh key must carry at least as much entropy as the key it derives. */
    private static final int MIN_MESH_KEY_BYTES = 32;

    static LinkSettings read(Settings s) throws InvalidSettingException {
        s.onlyKeys(List.of("listen", "advertise", "security", "connect-timeout", "open-timeout", "max-links", "max-handshakes",
                "failure-penalty", "warm-links", "warm-idle", "hedge", "hedge-delay-min", "hedge-delay-max"));
        Optional<HostPort> listen = Optional.ofNullable(s.optionalHostPort("listen"));
        Optional<HostPort> advertise = Optional.ofNullable(s.optionalHostPort("advertise"));
        if (listen.isPresent() && advertise.isEmpty() && HostPort.isWildcard(listen.get().host())) {
            throw new InvalidSettingException(s.full("advertise"),
                    "required when listen is a wildcard address: entry nodes need an address they can reach");
        }
        if (advertise.isPresent() && advertise.get().port() == 0) {
            throw new InvalidSettingException(s.full("advertise"), "needs a real port, not 0");
        }
        Settings security = s.at("security");
        security.onlyKeys(List.of("mode", "key-file", "key-files"));
        String mode = security.required("mode");
        if (!mode.equals("psk") && !mode.equals("tls")) {
            throw new InvalidSettingException(security.full("mode"), "\"" + mode + "\" is not psk or tls");
        }
        List<String> files = security.strings("key-files");
        String single = security.string("key-file");
        if (!files.isEmpty() && !single.isEmpty()) {
            throw new InvalidSettingException(security.full("key-files"), "set key-file or key-files, not both");
        }
        List<SharedKey> keys = new ArrayList<>();
        if (files.isEmpty() && (mode.equals("psk") || !single.isEmpty())) {
            keys.add(key(security, "key-file", security.required("key-file")));
        }
        for (int i = 0; i < files.size(); i++) {
            keys.add(key(security, "key-files[" + i + "]", files.get(i)));
        }
        Duration openTimeout = s.duration("open-timeout", false);
        Duration hedgeMin = s.duration("hedge-delay-min", false);
        Duration hedgeMax = s.duration("hedge-delay-max", false);
        if (hedgeMin.compareTo(hedgeMax) > 0) {
            throw new InvalidSettingException(s.full("hedge-delay-min"), "must not exceed hedge-delay-max ("
                    + hedgeMax.toMillis() + " ms)");
        }
        if (hedgeMax.compareTo(openTimeout) >= 0) {
            throw new InvalidSettingException(s.full("hedge-delay-max"), "must be shorter than open-timeout ("
                    + openTimeout.toMillis() + " ms): a hedge starts while the first open may still answer");
        }
        return new LinkSettings(listen, advertise, mode.equals("tls"), List.copyOf(keys),
                s.duration("connect-timeout", false), openTimeout,
                s.integer("max-links", 1, 1_000_000), s.integer("max-handshakes", 1, 100_000),
                s.duration("failure-penalty", true), s.integer("warm-links", 0, 64), s.duration("warm-idle", false),
                s.flag("hedge"), hedgeMin, hedgeMax);
    }

    /** The key an entry dials with: the first listed. */
    public SharedKey key() {
        return keys.get(0);
    }

    private static SharedKey key(Settings security, String setting, String keyFile) throws InvalidSettingException {
        try {
            SharedKey key = SharedKey.fromFile(Path.of(keyFile));
            long size = Files.size(Path.of(keyFile));
            if (size < MIN_MESH_KEY_BYTES) {
                throw new InvalidSettingException(security.full(setting), keyFile + " holds " + size
                        + " bytes; a mesh key is at least " + MIN_MESH_KEY_BYTES + " random bytes (mesh-admin keygen FILE makes one)");
            }
            return key;
        } catch (IOException e) {
            throw new InvalidSettingException(security.full(setting), "cannot read " + keyFile + ": " + IoReasons.describe(e));
        } catch (KeyFileException e) {
            throw new InvalidSettingException(security.full(setting), e.getMessage());
        }
    }
}
