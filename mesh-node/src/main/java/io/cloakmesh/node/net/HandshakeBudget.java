package io.cloakmesh.node.net;

import io.cloakmesh.node.logging.LogRateLimit;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A listener's connections that have not yet proved they hold the key: at most {@code max} at a time.
 * When one more arrives, the oldest connection of the address with the most of them waiting is closed.
 * A peer that holds the key finishes its handshake in milliseconds, and a flood from one address (or a
 * few) closes its own connections first, so silent or slow strangers — which each also meet the
 * handshake timeout — can take the budget's places but not keep a real peer out, and they never count
 * as links.
 */
public final class HandshakeBudget {
    private static final Logger LOG = LoggerFactory.getLogger(HandshakeBudget.class);

    private final String what;
    private final int max;
    private final Runnable evictions;
    private final Map<InetAddress, ArrayDeque<Pending>> bySource = new HashMap<>();
    private int waiting;
    private long admittedSoFar;
    private final AtomicLong evicted = new AtomicLong();
    private final LogRateLimit throttle = new LogRateLimit(Duration.ofSeconds(10));

    /** @param evicted told each time the budget closes a connection, for the metrics */
    public HandshakeBudget(String what, int max, Runnable evicted) {
        this.what = what;
        this.max = max;
        this.evictions = evicted;
    }

    /** One connection waiting for its handshake; {@link #done()} (idempotent) once it authenticated or ended. */
    public final class Pending {
        private final InetAddress source;
        private final long order;
        private final Runnable close;

        private Pending(InetAddress source, long order, Runnable close) {
            this.source = source;
            this.order = order;
            this.close = close;
        }

        public void done() {
            synchronized (HandshakeBudget.this) {
                remove(this);
            }
        }
    }

    /** Admits a new connection from {@code source}, closing another unauthenticated one if the budget is full. */
    public Pending admit(InetAddress source, Runnable close) {
        Pending admitted;
        Pending closed = null;
        synchronized (this) {
            admitted = new Pending(source, admittedSoFar++, close);
            bySource.computeIfAbsent(source, s -> new ArrayDeque<>()).addLast(admitted);
            waiting++;
            if (waiting > max) {
                closed = busiestSource().peekFirst();
                remove(closed);
            }
        }
        if (closed != null) {
            long total = evicted.incrementAndGet();
            evictions.run();
            closed.close.run();
            throttle.occurred(skipped -> LOG.warn("{}: {} connections are waiting for their handshake; closed the "
                    + "oldest from the address with the most ({} so far, {} not logged since the last line)",
                    what, max, total, skipped));
        }
        return admitted;
    }

    /** The address with the most connections waiting; of equals, the one whose oldest has waited longest. */
    private ArrayDeque<Pending> busiestSource() {
        ArrayDeque<Pending> busiest = null;
        for (ArrayDeque<Pending> queue : bySource.values()) {
            if (busiest == null || queue.size() > busiest.size()
                    || (queue.size() == busiest.size() && queue.peekFirst().order < busiest.peekFirst().order)) {
                busiest = queue;
            }
        }
        return busiest;
    }

    private void remove(Pending p) {
        ArrayDeque<Pending> queue = bySource.get(p.source);
        if (queue != null && queue.remove(p)) {
            waiting--;
            if (queue.isEmpty()) {
                bySource.remove(p.source);
            }
        }
    }
}
