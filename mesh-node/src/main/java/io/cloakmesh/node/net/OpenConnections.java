package io.cloakmesh.node.net;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.Done;

/** Counts a listener's open connections so shutdown can wait for the last one after it stops accepting. */
public final class OpenConnections {
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicBoolean closing = new AtomicBoolean();
    private final CompletableFuture<Done> idle = new CompletableFuture<>();

    /** Counts one connection; the returned action (call it exactly once) counts it closed. */
    public Runnable opened() {
        open.incrementAndGet();
        return () -> {
            open.decrementAndGet();
            completeIfIdle();
        };
    }

    public int count() {
        return open.get();
    }

    /** From now on, {@link #whenIdle()} completes as soon as no connection is open. */
    public void closing() {
        closing.set(true);
        completeIfIdle();
    }

    /** Completes once {@link #closing()} was called and the last connection has ended. */
    public CompletionStage<Done> whenIdle() {
        return idle;
    }

    private void completeIfIdle() {
        if (closing.get() && open.get() == 0) {
            idle.complete(Done.getInstance());
        }
    }
}
