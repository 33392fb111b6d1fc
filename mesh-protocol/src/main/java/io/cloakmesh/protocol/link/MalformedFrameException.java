package io.cloakmesh.protocol.link;

/** The peer sent bytes that are not a valid open frame; the link is closed. */
public class MalformedFrameException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public MalformedFrameException(String message) {
        super(message);
    }
}
