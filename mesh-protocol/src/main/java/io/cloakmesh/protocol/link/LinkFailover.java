package io.cloakmesh.protocol.link;

import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.stream.stage.TimerGraphStageLogic;
import org.apache.pekko.util.ByteString;

/**
 * The entry's end of a client's link, with failover: runs one attempt at a time (a link flow whose
 * materialized value is the exit's answer, {@link EntryGate} on top), and sends the client's bytes on it
 * at once, before the answer. Until an exit says OK the bytes sent are also kept (at most
 * {@link #MAX_EARLY_BYTES}; the client is read no further until the answer), so that a refusal, a link
 * that fails, or no answer within the open timeout moves to the next attempt, which gets the same bytes
 * again. A refusing exit never passes bytes on, so none is lost or sent twice. Once open, bytes pass
 * both ways, and half-close each way on its own.
 *
 * <p>Each attempt runs fused into this stage's stream (its own substream), so a client connection and
 * its link share a thread.
 */
public final class LinkFailover extends GraphStage<FlowShape<ByteString, ByteString>> {
    /** Client bytes kept for a replay while no exit has answered. */
    public static final int MAX_EARLY_BYTES = 64 * 1024;

    /**
     * One try at one exit.
     *
     * @param link client bytes in, the exit's bytes out; materializes the exit's answer, failing for a refusal
     * @param opened run once when this exit answers OK
     * @param failed run with the reason when this attempt fails before OK, before the next is asked for
     */
    public record Attempt(Flow<ByteString, ByteString, CompletionStage<OpenReply>> link, Runnable opened,
            Consumer<Throwable> failed) {
    }

    /** The attempts of one connection, best first. */
    @FunctionalInterface
    public interface Attempts {
        /** The next attempt; throws (the reason the client is closed) when none is left. */
        Attempt next() throws Exception;
    }

    private final Inlet<ByteString> in = Inlet.create("LinkFailover.in");
    private final Outlet<ByteString> out = Outlet.create("LinkFailover.out");
    private final FlowShape<ByteString, ByteString> shape = FlowShape.of(in, out);
    private final Attempts attempts;
    private final Duration openTimeout;

    private LinkFailover(Attempts attempts, Duration openTimeout) {
        this.attempts = attempts;
        this.openTimeout = openTimeout;
    }

    /**
     * @param attempts this one connection's attempts: the flow must be materialized once
     * @param openTimeout how long one attempt may take to be answered
     */
    public static Flow<ByteString, ByteString, org.apache.pekko.NotUsed> create(Attempts attempts, Duration openTimeout) {
        return Flow.fromGraph(new LinkFailover(attempts, openTimeout));
    }

    @Override
    public FlowShape<ByteString, ByteString> shape() {
        return shape;
    }

    @Override
    public GraphStageLogic createLogic(Attributes attrs) {
        return new Logic();
    }

    private final class Logic extends TimerGraphStageLogic {
        /** Client bytes sent before any answer: replayed on the next attempt. Empty once open. */
        private ByteString early = ByteString.emptyByteString();
        /** How much of {@code early} the current attempt has been given. */
        private int sent;
        /** Once open: a client chunk waiting for the link to want it. */
        private ByteString pending;
        private boolean open;
        private boolean clientFinished;
        /** Numbers the attempts, so that late news of an abandoned one is ignored. */
        private int generation;
        private Attempt current;
        private SubSourceOutlet<ByteString> toLink;
        private SubSinkInlet<ByteString> fromLink;
        private final AsyncCallback<Pair<Integer, Throwable>> answered = createAsyncCallback(a -> {
            if (a.first() == generation && !open) {
                if (a.second() == null) {
                    opened();
                } else {
                    attemptFailed(a.second());
                }
            }
        });

        Logic() {
            super(shape);
            setHandler(in, new AbstractInHandler() {
                @Override
                public void onPush() {
                    ByteString chunk = grab(in);
                    if (open) {
                        pending = chunk;
                    } else {
                        early = early.concat(chunk);
                    }
                    feedLink();
                }

                @Override
                public void onUpstreamFinish() {
                    clientFinished = true;
                    feedLink();
                }
            });
            setHandler(out, new AbstractOutHandler() {
                @Override
                public void onPull() {
                    if (!fromLink.hasBeenPulled() && !fromLink.isClosed()) {
                        fromLink.pull();
                    }
                }

                @Override
                public void onDownstreamFinish(Throwable cause) {
                    // The client stopped reading: before an answer there is nothing left to open for; after
                    // it, its bytes toward the service may still flow (half-close).
                    if (!open) {
                        cancelStage(cause);
                    } else if (!fromLink.isClosed()) {
                        fromLink.cancel(cause);
                    }
                }
            });
        }

        @Override
        public void preStart() {
            nextAttempt();
        }

        private void nextAttempt() {
            Attempt attempt;
            try {
                attempt = attempts.next();
            } catch (Exception e) {
                failStage(e);
                return;
            }
            int g = ++generation;
            current = attempt;
            sent = 0;
            toLink = new SubSourceOutlet<>("LinkFailover.toLink");
            fromLink = new SubSinkInlet<>("LinkFailover.fromLink");
            toLink.setHandler(new AbstractOutHandler() {
                @Override
                public void onPull() {
                    feedLink();
                }

                @Override
                public void onDownstreamFinish(Throwable cause) {
                    // The link stopped taking bytes: the exit is gone or closed its side.
                    if (open && !isClosed(in)) {
                        cancel(in, cause);
                    }
                }
            });
            fromLink.setHandler(new AbstractInHandler() {
                @Override
                public void onPush() {
                    // Bytes from the exit come only after its OK, which may overtake the news of the answer.
                    if (!open) {
                        opened();
                    }
                    push(out, fromLink.grab());
                }

                @Override
                public void onUpstreamFinish() {
                    // Before an answer, the answer's own news decides (EntryGate always gives one).
                    if (open) {
                        complete(out);
                    }
                }

                @Override
                public void onUpstreamFailure(Throwable cause) {
                    if (open) {
                        failStage(cause);
                    }
                }
            });
            CompletionStage<OpenReply> reply = Source.fromGraph(toLink.source())
                    .viaMat(attempt.link(), Keep.right())
                    .to(fromLink.sink())
                    .run(subFusingMaterializer());
            reply.whenComplete((ok, failure) -> answered.invoke(Pair.create(g, failure)));
            scheduleOnce(g, openTimeout);
            if (isAvailable(out)) {
                fromLink.pull();
            }
            feedLink();
        }

        private void opened() {
            open = true;
            cancelTimer(generation);
            if (sent < early.size()) {
                pending = early.drop(sent);
            }
            early = ByteString.emptyByteString();
            sent = 0;
            current.opened().run();
            feedLink();
        }

        private void attemptFailed(Throwable cause) {
            cancelTimer(generation);
            if (!toLink.isClosed()) {
                toLink.fail(cause);
            }
            if (!fromLink.isClosed()) {
                fromLink.cancel(cause);
            }
            current.failed().accept(cause);
            nextAttempt();
        }

        @Override
        public void onTimer(Object key) {
            if (key.equals(generation) && !open) {
                attemptFailed(new TimeoutException("no answer within " + openTimeout.toMillis() + " ms"));
            }
        }

        /** Gives the link what it may have next: the replay, a pending chunk, the client's end, or a pull. */
        private void feedLink() {
            if (toLink.isClosed()) {
                return;
            }
            if (toLink.isAvailable()) {
                if (!open && sent < early.size()) {
                    toLink.push(sent == 0 ? early : early.drop(sent));
                    sent = early.size();
                } else if (pending != null) {
                    toLink.push(pending);
                    pending = null;
                }
            }
            boolean given = open ? pending == null : sent == early.size();
            if (clientFinished && given) {
                toLink.complete();
                return;
            }
            boolean room = open ? pending == null && toLink.isAvailable() : early.size() < MAX_EARLY_BYTES;
            if (room && !hasBeenPulled(in) && !isClosed(in)) {
                pull(in);
            }
        }
    }
}
