package io.cloakmesh.protocol.pipe;

import io.cloakmesh.crypto.SharedKey;
import io.cloakmesh.crypto.pipe.HandshakeMode;
import java.time.Duration;
import java.util.Objects;

/**
 * What one end of a pipe needs to know: the shared key, its stance on forward secrecy, and how long the
 * peer may take to finish the handshake (spiped's {@code -o}).
 */
public record PipeSettings(SharedKey key, HandshakeMode mode, Duration handshakeTimeout) {
    public PipeSettings {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(mode, "mode");
        if (handshakeTimeout.isNegative() || handshakeTimeout.isZero()) {
            throw new IllegalArgumentException("handshake timeout must be positive");
        }
    }
}
