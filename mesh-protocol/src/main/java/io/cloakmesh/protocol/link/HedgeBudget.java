package io.cloakmesh.protocol.link;

import java.util.concurrent.atomic.AtomicLong;

/**
 * How many hedged opens an import may start: one for every {@value #OPENS_PER_HEDGE} answered opens, and
 * at most {@value #BURST} saved up (the budget starts full). When every exit is slow at once, every open
 * would otherwise start a second beside it and double the load on exits already behind; with the budget
 * spent, opens go on as without hedging. Used from any thread.
 */
public final class HedgeBudget {
    static final int OPENS_PER_HEDGE = 10;
    static final int BURST = 10;
    /** Tenths of a hedge: an answered open earns one. */
    private final AtomicLong tenths = new AtomicLong(BURST * (long) OPENS_PER_HEDGE);

    /** An open was answered. */
    public void earned() {
        tenths.getAndUpdate(t -> Math.min(BURST * (long) OPENS_PER_HEDGE, t + 1));
    }

    /** Whether a hedge may start now. */
    public boolean available() {
        return tenths.get() >= OPENS_PER_HEDGE;
    }

    /** A hedge started. */
    public void spend() {
        tenths.getAndUpdate(t -> Math.max(0, t - OPENS_PER_HEDGE));
    }
}
