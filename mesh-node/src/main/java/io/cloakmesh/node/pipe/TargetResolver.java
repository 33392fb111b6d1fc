package io.cloakmesh.node.pipe;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The target's current addresses, re-resolved in the background every {@code -r} seconds (never with
 * {@code -R}). A failed re-resolution keeps the last good list and is logged, so a DNS outage does not
 * take the pipe down and does not go unnoticed.
 */
final class TargetResolver implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TargetResolver.class);

    private final SocketAddressSpec spec;
    private volatile List<InetSocketAddress> addresses;
    private final ScheduledExecutorService timer;

    private TargetResolver(SocketAddressSpec spec, List<InetSocketAddress> initial, Optional<Duration> interval) {
        this.spec = spec;
        this.addresses = initial;
        this.timer = interval.map(every -> {
            ScheduledExecutorService t = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread thread = new Thread(r, "target-resolver");
                thread.setDaemon(true);
                return thread;
            });
            t.scheduleWithFixedDelay(this::refresh, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
            return t;
        }).orElse(null);
    }

    static TargetResolver start(SocketAddressSpec spec, List<InetSocketAddress> initial, Optional<Duration> interval) {
        return new TargetResolver(spec, initial, interval);
    }

    /** The address to connect to now: the first of the latest successful resolution. */
    InetSocketAddress current() {
        return addresses.get(0);
    }

    private void refresh() {
        try {
            addresses = spec.resolve();
        } catch (SocketAddressSpec.InvalidAddress e) {
            LOG.warn("re-resolving target {} failed; keeping {}", spec, addresses);
        }
    }

    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }
}
