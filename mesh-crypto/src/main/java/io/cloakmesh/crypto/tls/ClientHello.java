package io.cloakmesh.crypto.tls;

import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Reads the client random from the first bytes a TLS client sends: 32 bytes that are fresh for every
 * handshake and sent in clear, so a relay in front of a TLS server can tell which of its connections a
 * handshake the server completed belongs to. The same layout in TLS 1.2 and 1.3 (RFC 8446 4.1.2).
 */
public final class ClientHello {
    /** Record header (5), handshake header (4), legacy_version (2), then the 32-byte random. */
    public static final int RANDOM_END = 5 + 4 + 2 + 32;
    private static final int CONTENT_TYPE_HANDSHAKE = 22;
    private static final int HANDSHAKE_CLIENT_HELLO = 1;

    private ClientHello() {
    }

    /** Bytes that are not the start of a TLS ClientHello. */
    public static final class NotClientHelloException extends Exception {
        private NotClientHelloException(String message) {
            super(message);
        }
    }

    /**
     * The client random, in hex, from the bytes between {@code start}'s position and limit (left
     * unchanged); empty while fewer than {@link #RANDOM_END} bytes have arrived.
     */
    public static Optional<String> random(ByteBuffer start) throws NotClientHelloException {
        int at = start.position();
        int available = start.remaining();
        if (available >= 1 && (start.get(at) & 0xff) != CONTENT_TYPE_HANDSHAKE) {
            throw new NotClientHelloException("not a TLS handshake record (first byte " + (start.get(at) & 0xff) + ")");
        }
        if (available >= 2 && start.get(at + 1) != 3) {
            throw new NotClientHelloException("not a TLS 1.x record version");
        }
        if (available >= 5 && (start.getShort(at + 3) & 0xffff) < RANDOM_END - 5) {
            throw new NotClientHelloException("the first record is too short for a ClientHello");
        }
        if (available >= 6 && start.get(at + 5) != HANDSHAKE_CLIENT_HELLO) {
            throw new NotClientHelloException("the first handshake message is not a ClientHello");
        }
        if (available < RANDOM_END) {
            return Optional.empty();
        }
        byte[] random = new byte[32];
        start.get(at + RANDOM_END - 32, random);
        return Optional.of(HexFormat.of().formatHex(random));
    }
}
