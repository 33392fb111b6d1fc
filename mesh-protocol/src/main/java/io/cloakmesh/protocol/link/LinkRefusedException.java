package io.cloakmesh.protocol.link;

/** The exit answered the open request with a refusal, or the link ended before it answered. */
public final class LinkRefusedException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient OpenReply reply;

    public LinkRefusedException(OpenReply reply) {
        super("exit refused the link: " + reply);
        this.reply = reply;
    }

    /** The refusal, or null if the link closed before any reply. */
    public OpenReply reply() {
        return reply;
    }

    static LinkRefusedException closedBeforeReply() {
        return new LinkRefusedException("link closed before the exit answered the open request");
    }

    private LinkRefusedException(String message) {
        super(message);
        this.reply = null;
    }
}
