package io.cloakmesh.protocol.resp;

/** Bytes that are not RESP, or that break a {@link RespLimits} bound; the connection cannot go on. */
public final class RespProtocolException extends Exception {
    public RespProtocolException(String message) {
        super(message);
    }
}
