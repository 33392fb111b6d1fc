package io.cloakmesh.node.transport;

import java.util.Locale;
import java.util.Optional;

/** The implementations behind {@link Transport}, by the names settings and options use. */
public enum TransportKind {
    /** Netty NIO event loops, one per core; each connection's stream runs on the loop of its socket. */
    NETTY,
    /** Pekko IO's selector and connection actors. */
    PEKKO_IO;

    /** "netty" or "pekko-io". */
    public String settingName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static Optional<TransportKind> parse(String name) {
        for (TransportKind kind : values()) {
            if (kind.settingName().equals(name)) {
                return Optional.of(kind);
            }
        }
        return Optional.empty();
    }
}
