package io.cloakmesh.node.pipe;

import io.cloakmesh.crypto.pipe.HandshakeMode;
import io.cloakmesh.crypto.pipe.Role;
import io.cloakmesh.node.transport.TransportKind;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The validated meaning of a {@code mesh-node pipe} command line, with spiped's defaults applied.
 *
 * @param keyFile the key file, or empty for {@code -k -} (standard input)
 * @param resolveInterval how often the target is re-resolved; empty for {@code -R}
 * @param maxConnections 0 means no limit; with -d only connections past the handshake count
 * @param maxHandshakes -d only: connections still in their handshake kept at once, the oldest closed first
 * @param transport {@code --transport}; empty: {@code cloakmesh.transport} of reference.conf
 */
public record PipeOptions(
        Role role,
        SocketAddressSpec source,
        SocketAddressSpec target,
        Optional<Path> keyFile,
        Optional<SocketAddressSpec> bindAddress,
        boolean waitForDns,
        boolean foreground,
        HandshakeMode mode,
        boolean keepAlive,
        int maxConnections,
        int maxHandshakes,
        Duration timeout,
        Path pidfile,
        Optional<Duration> resolveInterval,
        Optional<TransportKind> transport) {

    public static final int DEFAULT_MAX_CONNECTIONS = 100;
    public static final int DEFAULT_MAX_HANDSHAKES = 100;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration DEFAULT_RESOLVE_INTERVAL = Duration.ofSeconds(60);
}
