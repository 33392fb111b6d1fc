package io.cloakmesh.protocol.link;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * How long an open may go unanswered before a second one starts beside it: the 99th percentile of the
 * last {@value #SAMPLES} answered opens, plus half of it (at least {@value #MARGIN_MILLIS} ms), within
 * bounds. An exit that stopped answering records nothing, so its silence does not stretch the delay.
 * Before its first samples the delay is the upper bound. Recorded from any thread.
 */
public final class HedgeDelay {
    private static final int SAMPLES = 256;
    /** The percentile is read again after this many samples (and after each of the first ones). */
    private static final int REREAD_EVERY = 16;
    private static final long MARGIN_MILLIS = 2;

    private final long minNanos;
    private final long maxNanos;
    private final AtomicLongArray samples = new AtomicLongArray(SAMPLES);
    private final AtomicLong recorded = new AtomicLong();
    private volatile long delayNanos;

    public HedgeDelay(Duration min, Duration max) {
        this.minNanos = min.toNanos();
        this.maxNanos = max.toNanos();
        this.delayNanos = maxNanos;
    }

    /** An open answered {@code nanos} after it started. */
    public void record(long nanos) {
        long n = recorded.getAndIncrement();
        samples.set((int) (n % SAMPLES), nanos);
        if (n < REREAD_EVERY || (n + 1) % REREAD_EVERY == 0) {
            reread((int) Math.min(n + 1, SAMPLES));
        }
    }

    public Duration delay() {
        return Duration.ofNanos(delayNanos);
    }

    private void reread(int filled) {
        long[] sorted = new long[filled];
        for (int i = 0; i < filled; i++) {
            sorted[i] = samples.get(i);
        }
        Arrays.sort(sorted);
        long p99 = sorted[(int) Math.ceil(0.99 * filled) - 1];
        long delay = p99 + Math.max(p99 / 2, Duration.ofMillis(MARGIN_MILLIS).toNanos());
        delayNanos = Math.max(minNanos, Math.min(maxNanos, delay));
    }
}
