package io.cloakmesh.node.net;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

/**
 * At most one log line per period for an event that an attacker can repeat at will; the line that is
 * written says how many were left out since the last one.
 */
public final class LogThrottle {
    private final long periodNanos;
    private final AtomicLong nextAllowed = new AtomicLong(System.nanoTime());
    private final AtomicLong suppressed = new AtomicLong();

    public LogThrottle(Duration period) {
        this.periodNanos = period.toNanos();
    }

    /** Calls {@code log} with the number of occurrences left out, or counts this one as left out. */
    public void occurred(LongConsumer log) {
        long now = System.nanoTime();
        long allowed = nextAllowed.get();
        if (now - allowed >= 0 && nextAllowed.compareAndSet(allowed, now + periodNanos)) {
            log.accept(suppressed.getAndSet(0));
        } else {
            suppressed.incrementAndGet();
        }
    }
}
