package io.cloakmesh.node.link;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * How many warm links one exporter's pool should hold, from the opens that asked for one: twice the opens
 * that arrive while one replacement is made (the most opens within any {@link #WINDOW} still remembered,
 * times the recent dial-to-ready time), never fewer than {@code link.warm-links}, at most {@link #MAX_GROWTH}
 * times it or {@link #MAX_POOL}. Opens are remembered for {@code link.warm-idle}, as long as an unused link
 * lives: a burst that comes back finds the pool still grown. Pure: times in, a size out; not thread-safe.
 */
final class WarmDemand {
    static final Duration WINDOW = Duration.ofSeconds(1);
    static final int MAX_GROWTH = 8;
    static final int MAX_POOL = 64;
    /** Open times kept, at most: more than any peak the pool can follow. */
    static final int KEPT = 4096;

    private final int warmLinks;
    private final long rememberNanos;
    private final ArrayDeque<Long> asked = new ArrayDeque<>();
    private long readyNanos;

    WarmDemand(int warmLinks, Duration remember) {
        this.warmLinks = warmLinks;
        this.rememberNanos = remember.toNanos();
    }

    /** An open asked for a warm link at {@code now} (System.nanoTime()), whether it found one or not. */
    void asked(long now) {
        forget(now);
        if (asked.size() == KEPT) {
            asked.pollFirst();
        }
        asked.add(now);
    }

    /** A warm link was dialled and became ready {@code nanos} later. */
    void ready(long nanos) {
        readyNanos = readyNanos == 0 ? nanos : (readyNanos * 3 + nanos) / 4;
    }

    /** The pool's size now. */
    int target(long now) {
        forget(now);
        double inFlight = peak() * (readyNanos / (double) WINDOW.toNanos());
        int bound = Math.min(MAX_POOL, MAX_GROWTH * warmLinks);
        return (int) Math.min(bound, Math.max(warmLinks, Math.ceil(2 * inFlight)));
    }

    /** The most opens within any one window. */
    private int peak() {
        int most = 0;
        Iterator<Long> from = asked.iterator();
        long start = from.hasNext() ? from.next() : 0;  // the oldest time still in the window
        int inWindow = 0;
        for (long t : asked) {
            inWindow++;
            while (t - start > WINDOW.toNanos()) {
                inWindow--;
                start = from.next();
            }
            most = Math.max(most, inWindow);
        }
        return most;
    }

    private void forget(long now) {
        while (!asked.isEmpty() && now - asked.peekFirst() > rememberNanos) {
            asked.pollFirst();
        }
    }
}
