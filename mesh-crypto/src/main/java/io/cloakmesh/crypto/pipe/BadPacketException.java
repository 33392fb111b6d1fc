package io.cloakmesh.crypto.pipe;

/** A received packet failed authentication or carried an impossible length; the connection must end. */
public final class BadPacketException extends Exception {
    public BadPacketException(String message) {
        super(message);
    }
}
