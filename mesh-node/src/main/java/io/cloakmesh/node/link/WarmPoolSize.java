package io.cloakmesh.node.link;

/**
 * How many warm links one exporter's pool should hold: the opens expected while a replacement link makes
 * its handshake, twice over for bursts, never fewer than {@code link.warm-links} nor more than
 * {@code link.warm-links-max}. A fixed pool of 2 ran dry when clients connected back to back across a WAN
 * (a link's handshake takes three round trips, a client's open one). Not thread-safe: the pool's lock
 * guards it.
 */
final class WarmPoolSize {
    /** Weight of the newest sample in the running averages. */
    private static final double WEIGHT = 0.25;

    private final int floor;
    private final int ceiling;
    private double secondsBetweenOpens = Double.POSITIVE_INFINITY;
    private double handshakeSeconds;
    private long lastOpen = -1;

    WarmPoolSize(int floor, int ceiling) {
        this.floor = floor;
        this.ceiling = Math.max(floor, ceiling);
    }

    /** A client took a link (or found none ready) at {@code nanos}. */
    void opened(long nanos) {
        if (lastOpen >= 0) {
            double interval = (nanos - lastOpen) / 1e9;
            secondsBetweenOpens = Double.isInfinite(secondsBetweenOpens) ? interval
                    : (1 - WEIGHT) * secondsBetweenOpens + WEIGHT * interval;
        }
        lastOpen = nanos;
    }

    /** A link dialled for the pool was ready after {@code nanos}. */
    void handshake(long nanos) {
        double seconds = nanos / 1e9;
        handshakeSeconds = handshakeSeconds == 0 ? seconds : (1 - WEIGHT) * handshakeSeconds + WEIGHT * seconds;
    }

    /** The pool's size now: the open rate falls off as the time since the last open grows. */
    int target(long nanos) {
        if (lastOpen < 0 || handshakeSeconds == 0) {
            return floor;
        }
        double between = Math.max(secondsBetweenOpens, (nanos - lastOpen) / 1e9);
        double wanted = Math.ceil(2 * handshakeSeconds / Math.max(between, 1e-6));
        return (int) Math.max(floor, Math.min(ceiling, wanted));
    }
}
