package io.cloakmesh.node.mesh;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import redis.clients.jedis.Jedis;

/**
 * A client that keeps opening new connections through an import, one after another, and checks every
 * answer it gets (every tenth connection also round-trips a 256 KiB value).
 */
final class Prober implements AutoCloseable {
    final AtomicInteger ok = new AtomicInteger();
    final AtomicInteger failed = new AtomicInteger();
    /** Failures of connections started after {@link #markNow()}. */
    final AtomicInteger failedAfterMark = new AtomicInteger();
    final ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    final AtomicLong firstSuccessAfterMark = new AtomicLong();
    private final AtomicLong mark = new AtomicLong(Long.MAX_VALUE);
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;

    /** @param timeout Jedis's connect and read timeout: how long one connection may take */
    Prober(int port, String prefix, Duration timeout) {
        byte[] payload = new byte[256 * 1024];
        new SecureRandom().nextBytes(payload);
        thread = new Thread(() -> {
            for (int i = 0; running.get(); i++) {
                long started = System.nanoTime();
                try (Jedis j = new Jedis("127.0.0.1", port, (int) timeout.toMillis())) {
                    String k = prefix + i;
                    String v = "value " + i + " " + started;
                    j.set(k, v);
                    String got = j.get(k);
                    if (!v.equals(got)) {
                        wrong.add(k + ": " + got);
                    }
                    if (i % 10 == 0) {
                        j.set((k + ":big").getBytes(), payload);
                        byte[] back = j.get((k + ":big").getBytes());
                        if (!Arrays.equals(payload, back)) {
                            wrong.add(k + ":big differs");
                        }
                    }
                    ok.incrementAndGet();
                    if (started > mark.get()) {
                        firstSuccessAfterMark.compareAndSet(0, System.nanoTime());
                    }
                } catch (RuntimeException e) {
                    failed.incrementAndGet();
                    if (started > mark.get()) {
                        failedAfterMark.incrementAndGet();
                    }
                    failures.add(prefix + i + " after " + (System.nanoTime() - started) / 1_000_000 + " ms: " + e);
                }
            }
        }, "prober");
        thread.start();
    }

    /** From now on, records when the first connection started after this point succeeds, and counts those that fail. */
    long markNow() {
        long now = System.nanoTime();
        mark.set(now);
        return now;
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        thread.join(30_000);
    }
}
