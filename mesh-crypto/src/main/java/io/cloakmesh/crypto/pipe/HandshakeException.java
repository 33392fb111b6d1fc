package io.cloakmesh.crypto.pipe;

/** The peer's handshake message failed a check. The message says which check, never any key material. */
public final class HandshakeException extends Exception {
    public HandshakeException(String message) {
        super(message);
    }
}
