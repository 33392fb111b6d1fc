package io.cloakmesh.protocol.link;

import java.util.Objects;

/** The exit's answer; {@code detail} is a short human-readable reason for a refusal, never secret. */
public record OpenReply(OpenStatus status, String detail) {
    public static final OpenReply OK = new OpenReply(OpenStatus.OK, "");

    public OpenReply {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(detail, "detail");
    }

    public static OpenReply refused(OpenStatus status, String detail) {
        if (status == OpenStatus.OK) {
            throw new IllegalArgumentException("a refusal needs a status other than OK");
        }
        return new OpenReply(status, LinkFrames.truncate(detail));
    }

    public boolean ok() {
        return status == OpenStatus.OK;
    }

    @Override
    public String toString() {
        return detail.isEmpty() ? status.name() : status.name() + " (" + detail + ")";
    }
}
