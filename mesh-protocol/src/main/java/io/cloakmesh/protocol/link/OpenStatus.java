package io.cloakmesh.protocol.link;

/** The exit's answer to an open request. Codes are part of the wire format: never renumber. */
public enum OpenStatus {
    OK(0),
    /** The exit exports no service by that name. */
    UNKNOWN_SERVICE(1),
    /** The exit is draining and takes no new links. */
    DRAINING(2),
    /** The exit could not connect to any of the service's targets. */
    TARGET_UNREACHABLE(3),
    /** The request's version is newer than the exit understands. */
    UNSUPPORTED_VERSION(4),
    /** The service has no backend with the requested node id. */
    UNKNOWN_TARGET_NODE(5),
    /** The exit is at its link limit. */
    OVERLOADED(6);

    private final int code;

    OpenStatus(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** Unknown codes from a newer peer are kept apart from the known refusals, never read as OK. */
    static OpenStatus fromCode(int code) {
        for (OpenStatus s : values()) {
            if (s.code == code) {
                return s;
            }
        }
        throw new MalformedFrameException("unknown open status code " + code);
    }
}
