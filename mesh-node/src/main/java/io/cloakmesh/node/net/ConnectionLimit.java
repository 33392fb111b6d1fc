package io.cloakmesh.node.net;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.stream.stage.TimerGraphStageLogic;

/**
 * At most {@code max} connections hold a place at a time (0 = no limit); while all places are taken it
 * does not pull its upstream. Upstream of a Tcp bind source that means no accept() at all: new clients
 * wait in the kernel's listen backlog, as with spiped's {@code -n}, rather than being accepted and left
 * hanging. Nor does it pull while the process is short of file descriptors: Pekko would retry the
 * failing accept in a tight loop, so it waits (50 ms, doubling to 1 s) and asks again.
 * A connection takes its place with {@link Admitted#place()}: at once, or only once it has
 * authenticated, so that strangers in their handshake (bounded by a {@link HandshakeBudget}) never hold
 * one; a connection that authenticates while every place is taken waits for the next to be freed.
 */
public final class ConnectionLimit<T> extends GraphStage<FlowShape<T, ConnectionLimit.Admitted<T>>> {

    /**
     * An admitted element. {@code place} takes its place under the limit and completes once it has one
     * (idempotent); {@code release} frees it, or gives up waiting, when the connection ends (idempotent).
     * Both from any thread.
     */
    public record Admitted<T>(T connection, PlaceRequest place, Runnable release) {
    }

    /** Takes a connection's place under the limit. */
    public interface PlaceRequest {
        CompletionStage<Done> take();
    }

    /** Told each time the limit, or the process's descriptor limit, stops accepting. */
    public interface LimitListener {
        void limitReached(int max);

        /** Too few descriptors are left ({@link DescriptorHeadroom}): no accept for {@code pauseMillis}. */
        void descriptorsLow(long pauseMillis);
    }

    /** Pauses while descriptors are short: from the first, doubling up to the last. */

    private static final String DESCRIPTORS = "descriptors";

    private final Inlet<T> in = Inlet.create("ConnectionLimit.in");
    private final Outlet<Admitted<T>> out = Outlet.create("ConnectionLimit.out");
    private final FlowShape<T, Admitted<T>> shape = FlowShape.of(in, out);
    private final int max;
    private final LimitListener listener;

    public ConnectionLimit(int max, LimitListener listener) {
        this.max = max;
        this.listener = listener;
    }

    @Override
    public FlowShape<T, Admitted<T>> shape() {
        return shape;
    }

    /** The places, shared by the stage and the connections' threads; waiters are served in order. */
    private static final class Places {
        private final int max;
        private int taken;
        private final ArrayDeque<CompletableFuture<Done>> waiting = new ArrayDeque<>();

        Places(int max) {
            this.max = max;
        }

        synchronized boolean free() {
            return max == 0 || taken < max;
        }

        synchronized CompletableFuture<Done> request() {
            if (free()) {
                taken++;
                return CompletableFuture.completedFuture(Done.getInstance());
            }
            CompletableFuture<Done> waiter = new CompletableFuture<>();
            waiting.add(waiter);
            return waiter;
        }

        /** Gives a held place to the next waiter, or frees it; a request still waiting is withdrawn. */
        void release(CompletableFuture<Done> request) {
            CompletableFuture<Done> next;
            synchronized (this) {
                if (waiting.remove(request)) {
                    return;
                }
                next = waiting.poll();
                if (next == null) {
                    taken--;
                }
            }
            if (next != null) {
                next.complete(Done.getInstance());
            }
        }
    }

    /** One connection's claim on a place. */
    private static final class Claim {
        private final Places places;
        private final Runnable freed;
        private CompletableFuture<Done> request;
        private boolean ended;

        Claim(Places places, Runnable freed) {
            this.places = places;
            this.freed = freed;
        }

        synchronized CompletionStage<Done> take() {
            if (request == null) {
                request = ended ? CompletableFuture.failedFuture(new IllegalStateException("connection ended"))
                        : places.request();
            }
            return request;
        }

        void release() {
            CompletableFuture<Done> held;
            synchronized (this) {
                if (ended) {
                    return;
                }
                ended = true;
                held = request;
            }
            if (held != null && !held.isCompletedExceptionally()) {
                places.release(held);
                freed.run();
            }
        }
    }

    @Override
    public GraphStageLogic createLogic(Attributes inheritedAttributes) {
        return new TimerGraphStageLogic(shape) {
            private final Places places = new Places(max);
            private AsyncCallback<Done> released;
            private final AcceptBackoff backoff = new AcceptBackoff();

            {
                setHandler(in, new AbstractInHandler() {
                    @Override
                    public void onPush() {
                        Claim claim = new Claim(places, () -> released.invoke(Done.getInstance()));
                        push(out, new Admitted<>(grab(in), claim::take, claim::release));
                    }
                });
                setHandler(out, new AbstractOutHandler() {
                    @Override
                    public void onPull() {
                        pullIfFree();
                    }
                });
            }

            @Override
            public void preStart() {
                released = createAsyncCallback(done -> pullIfFree());
            }

            @Override
            public void onTimer(Object key) {
                pullIfFree();
            }

            private void pullIfFree() {
                if (!isAvailable(out) || hasBeenPulled(in) || isClosed(in) || isTimerActive(DESCRIPTORS)) {
                    return;
                }
                if (!places.free()) {
                    listener.limitReached(max);
                } else if (DescriptorHeadroom.low()) {
                    long pauseMs = backoff.next();
                    listener.descriptorsLow(pauseMs);
                    scheduleOnce(DESCRIPTORS, Duration.ofMillis(pauseMs));
                } else {
                    backoff.reset();
                    pull(in);
                }
            }
        };
    }
}
