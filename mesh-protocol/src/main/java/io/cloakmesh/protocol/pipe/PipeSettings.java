package io.cloakmesh.protocol.pipe;

import io.cloakmesh.crypto.SharedKey;
import io.cloakmesh.crypto.pipe.HandshakeMode;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What one end of a pipe needs to know: the shared keys, its stance on forward secrecy, and how long the
 * peer may take to finish the handshake (spiped's {@code -o}).
 *
 * @param keys the key a client dials with first; a server accepts a client holding any of them (a key
 *     rotation lists the new key and the old)
 */
public record PipeSettings(List<SharedKey> keys, HandshakeMode mode, Duration handshakeTimeout) {
    public PipeSettings {
        keys = List.copyOf(keys);
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("a pipe needs a key");
        }
        Objects.requireNonNull(mode, "mode");
        if (handshakeTimeout.isNegative() || handshakeTimeout.isZero()) {
            throw new IllegalArgumentException("handshake timeout must be positive");
        }
    }

    /** One key, as spiped has. */
    public PipeSettings(SharedKey key, HandshakeMode mode, Duration handshakeTimeout) {
        this(List.of(key), mode, handshakeTimeout);
    }

    /** The key a client dials with. */
    public SharedKey key() {
        return keys.get(0);
    }
}
