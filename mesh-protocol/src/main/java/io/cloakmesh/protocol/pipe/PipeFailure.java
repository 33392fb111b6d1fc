package io.cloakmesh.protocol.pipe;

/**
 * Why a pipe connection was dropped. The message is safe to log: it names the check that failed and
 * never carries key material or payload.
 */
public final class PipeFailure extends Exception {
    /** The operator-facing category of a drop. */
    public enum Reason {
        HANDSHAKE_FAILED("handshake failed"),
        HANDSHAKE_TIMEOUT("handshake timed out"),
        BAD_PACKET("bad packet");

        private final String text;

        Reason(String text) {
            this.text = text;
        }

        public String text() {
            return text;
        }
    }

    private final Reason reason;

    public PipeFailure(Reason reason, String detail) {
        super(reason.text() + ": " + detail, null, false, false);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
