package io.cloakmesh.node.logging;

import java.time.Duration;
import java.util.function.LongConsumer;

/**
 * At most {@code lines} log lines per period for an event that a peer on the network can repeat at
 * will; the next line written says how many were held back. Used by cloakmesh's own per-connection
 * warnings and, per logger, by {@link PekkoLogFilter} for Pekko's.
 */
public final class LogRateLimit {
    private final int lines;
    private final long periodNanos;
    private long windowStart;
    private int written;
    private long held;

    public LogRateLimit(int lines, Duration period) {
        this.lines = lines;
        this.periodNanos = period.toNanos();
        this.windowStart = System.nanoTime() - periodNanos;
    }

    /** One line per period. */
    public LogRateLimit(Duration period) {
        this(1, period);
    }

    /** Calls {@code log} with the number of lines held back since the last one written, or holds this one back. */
    public void occurred(LongConsumer log) {
        long skipped;
        synchronized (this) {
            long now = System.nanoTime();
            if (now - windowStart >= periodNanos) {
                windowStart = now;
                written = 0;
            }
            if (written >= lines) {
                held++;
                return;
            }
            written++;
            skipped = held;
            held = 0;
        }
        log.accept(skipped);
    }
}
