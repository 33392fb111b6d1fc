package io.cloakmesh.node.net;

import java.util.concurrent.atomic.AtomicBoolean;
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

/**
 * Admits at most {@code max} connections at a time (0 = no limit) by not pulling its upstream at the
 * limit. Upstream of a Tcp bind source that means no accept() at all: new clients wait in the kernel's
 * listen backlog, as with spiped's {@code -n}, rather than being accepted and left hanging.
 */
public final class ConnectionLimit<T> extends GraphStage<FlowShape<T, ConnectionLimit.Admitted<T>>> {

    /** An admitted element; {@code release} (idempotent, any thread) frees its slot. */
    public record Admitted<T>(T connection, Runnable release) {
    }

    /** Told each time the limit stops accepting. */
    public interface LimitListener {
        void limitReached(int max);
    }

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

    @Override
    public GraphStageLogic createLogic(Attributes inheritedAttributes) {
        return new GraphStageLogic(shape) {
            private int active;
            private AsyncCallback<Done> released;

            {
                setHandler(in, new AbstractInHandler() {
                    @Override
                    public void onPush() {
                        active++;
                        AtomicBoolean once = new AtomicBoolean();
                        push(out, new Admitted<>(grab(in), () -> {
                            if (once.compareAndSet(false, true)) {
                                released.invoke(Done.getInstance());
                            }
                        }));
                    }
                });
                setHandler(out, new AbstractOutHandler() {
                    @Override
                    public void onPull() {
                        pullIfBelowLimit();
                    }
                });
            }

            @Override
            public void preStart() {
                released = createAsyncCallback(done -> {
                    active--;
                    pullIfBelowLimit();
                });
            }

            private void pullIfBelowLimit() {
                if (!isAvailable(out) || hasBeenPulled(in) || isClosed(in)) {
                    return;
                }
                if (max == 0 || active < max) {
                    pull(in);
                } else {
                    listener.limitReached(max);
                }
            }
        };
    }
}
