package io.cloakmesh.node.net;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A listener's connections that have not yet proved they hold the key: at most {@code max} at a time.
 * When one more arrives, the oldest of them is closed. A peer that holds the key finishes its handshake
 * in milliseconds, so silent or slow strangers — which each also meet the handshake timeout — can take
 * the budget's places but never keep a real peer out, and they never count as links.
 */
public final class HandshakeBudget {
    private static final Logger LOG = LoggerFactory.getLogger(HandshakeBudget.class);

    private final String what;
    private final int max;
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private final AtomicLong evicted = new AtomicLong();
    private final LogThrottle throttle = new LogThrottle(Duration.ofSeconds(10));

    public HandshakeBudget(String what, int max) {
        this.what = what;
        this.max = max;
    }

    /** One connection waiting for its handshake; {@link #done()} (idempotent) once it authenticated or ended. */
    public final class Pending {
        private final Runnable close;

        private Pending(Runnable close) {
            this.close = close;
        }

        public void done() {
            synchronized (HandshakeBudget.this) {
                pending.remove(this);
            }
        }
    }

    /** Admits a new connection, closing the oldest unauthenticated one if the budget is full. */
    public Pending admit(Runnable close) {
        Pending admitted = new Pending(close);
        Pending oldest = null;
        synchronized (this) {
            pending.addLast(admitted);
            if (pending.size() > max) {
                oldest = pending.pollFirst();
            }
        }
        if (oldest != null) {
            long total = evicted.incrementAndGet();
            oldest.close.run();
            throttle.occurred(skipped -> LOG.warn("{}: {} connections are waiting for their handshake; closed the "
                    + "oldest ({} so far, {} not logged since the last line)", what, max, total, skipped));
        }
        return admitted;
    }
}
