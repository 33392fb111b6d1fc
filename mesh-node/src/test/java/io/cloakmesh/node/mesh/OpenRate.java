package io.cloakmesh.node.mesh;

import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import redis.clients.jedis.Jedis;

/**
 * New connections through an import at a steady rate, whatever becomes of earlier ones: each on its own
 * thread writes and reads back a key, within a client timeout, and is counted as succeeded, failed (with
 * why) or answered wrongly; those started after {@link #markNow()} are counted apart.
 */
final class OpenRate implements AutoCloseable {
    final AtomicInteger ok = new AtomicInteger();
    final AtomicInteger startedAfterMark = new AtomicInteger();
    final AtomicInteger failedAfterMark = new AtomicInteger();
    /** Connections started before the mark that failed: in flight on an exit when it stopped. */
    final AtomicInteger failedBeforeMark = new AtomicInteger();
    final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
    private final AtomicLong mark = new AtomicLong(Long.MAX_VALUE);
    private final AtomicInteger next = new AtomicInteger();
    private final ScheduledExecutorService clock = Executors.newSingleThreadScheduledExecutor();
    private final ExecutorService clients = Executors.newCachedThreadPool();

    /** @param perSecond new connections a second; @param timeout each one's connect and read timeout */
    OpenRate(int port, String prefix, int perSecond, Duration timeout) {
        clock.scheduleAtFixedRate(() -> clients.execute(() -> once(port, prefix + next.getAndIncrement(), (int) timeout.toMillis())),
                0, 1_000_000 / perSecond, TimeUnit.MICROSECONDS);
    }

    private void once(int port, String key, int timeoutMillis) {
        long started = System.nanoTime();
        boolean afterMark = started > mark.get();
        if (afterMark) {
            startedAfterMark.incrementAndGet();
        }
        try (Jedis jedis = new Jedis("127.0.0.1", port, timeoutMillis)) {
            String value = "v " + started;
            jedis.set(key, value);
            String got = jedis.get(key);
            if (!value.equals(got)) {
                wrong.add(key + ": " + got);
            }
            ok.incrementAndGet();
        } catch (RuntimeException e) {
            (afterMark ? failedAfterMark : failedBeforeMark).incrementAndGet();
            failures.add(key + (afterMark ? "" : " (started before the mark)") + " after "
                    + (System.nanoTime() - started) / 1_000_000 + " ms: " + e);
        }
    }

    /** Connections started from now on are counted apart. */
    void markNow() {
        mark.set(System.nanoTime());
    }

    /** Stops starting connections and waits for those under way. */
    @Override
    public void close() throws InterruptedException {
        clock.shutdownNow();
        clock.awaitTermination(10, TimeUnit.SECONDS);
        clients.shutdown();
        clients.awaitTermination(60, TimeUnit.SECONDS);
    }
}
