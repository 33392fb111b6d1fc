package io.cloakmesh.protocol.link;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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
 * The entry's end of a client's link, with failover and hedged opens. Attempts are links whose
 * materialized value is the exit's answer ({@link EntryGate} on top). Until an exit says OK the client's
 * bytes are kept (at most {@link #MAX_EARLY_BYTES}; the client is read no further until an answer) so
 * that a refusal, a link that fails, or no answer within the open timeout moves them to the next attempt.
 *
 * <p>When an attempt has no answer within {@link Attempts#hedgeDelay()}, the next one starts beside it and
 * the first to say OK carries the connection; the others are closed. So that a command can never run
 * twice, <em>at most one attempt is ever given the client's early bytes</em>: the first whose exit has
 * shown it is alive during this attempt (a new link's handshake) or has answered. Only when no other
 * attempt could start beside it (one exporter, or hedging off) does an attempt get them before that, the
 * fast path that saves a round trip: then a silent exit is waited for until the open timeout, and its
 * bytes replayed to the next (a refusing exit never passes bytes on; one that is only frozen could).
 * Once open, bytes pass both ways, and half-close each way on its own.
 *
 * <p>Each attempt runs fused into this stage's stream (its own substream), so a client connection and
 * its links share a thread.
 */
public final class LinkFailover extends GraphStage<FlowShape<ByteString, ByteString>> {
    /** Client bytes kept for a replay while no exit has answered. */
    public static final int MAX_EARLY_BYTES = 64 * 1024;

    /**
     * One try at one exit.
     *
     * @param link client bytes in, the exit's bytes out; materializes the exit's answer, failing for a refusal
     * @param alive completes if the exit shows it is alive before answering (a new link's handshake); a warm
     *     link's never does
     * @param opened run once when this exit answers OK and carries the connection
     * @param failed run with the reason when this attempt fails before OK
     * @param outrun run when another attempt beside this one answered first, and this one was closed
     */
    public record Attempt(Flow<ByteString, ByteString, CompletionStage<OpenReply>> link, CompletionStage<?> alive,
            Runnable opened, Consumer<Throwable> failed, Runnable outrun) {
    }

    /** The attempts of one connection, best first. */
    public interface Attempts {
        /**
         * The next attempt; throws (the reason the client is closed) when none is left.
         *
         * @param beside whether it starts beside an attempt still waiting for its answer (a hedge)
         */
        Attempt next(boolean beside) throws Exception;

        /** How long an attempt may wait for its answer before the next starts beside it; empty when none could. */
        Optional<Duration> hedgeDelay();
    }

    /** Why an attempt that another one outran is closed. */
    private static final class Outrun extends Exception {
        private static final long serialVersionUID = 1L;

        Outrun() {
            super("another exit answered first", null, false, false);
        }
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
        /** Client bytes read before any answer: replayed on the next attempt. Empty once open. */
        private ByteString early = ByteString.emptyByteString();
        /** Once open: a client chunk waiting for the link to want it. */
        private ByteString pending;
        private boolean clientFinished;
        /** Attempts waiting for their answer, oldest first; once open, only the winner. */
        private final List<Running> running = new ArrayList<>();
        /** The one attempt given early bytes, if any: no other may carry the connection while it lives. */
        private Running holder;
        /** The attempt that answered OK and carries the connection. */
        private Running winner;
        private final AsyncCallback<Pair<Running, Throwable>> answered = createAsyncCallback(a -> answered(a.first(), a.second()));
        private final AsyncCallback<Running> alive = createAsyncCallback(r -> {
            if (!r.closed) {
                r.alive = true;
                feedLink();
            }
        });

        /** One attempt on its way: its ports, what it has been given, and its timers' keys. */
        private final class Running {
            final Attempt attempt;
            final SubSourceOutlet<ByteString> toLink = new SubSourceOutlet<>("LinkFailover.toLink");
            final SubSinkInlet<ByteString> fromLink = new SubSinkInlet<>("LinkFailover.fromLink");
            final Object timeout = new Object();
            final Object hedge = new Object();
            /** How much of {@code early} it has been given. */
            int sent;
            boolean alive;
            boolean closed;

            Running(Attempt attempt) {
                this.attempt = attempt;
            }
        }

        Logic() {
            super(shape);
            setHandler(in, new AbstractInHandler() {
                @Override
                public void onPush() {
                    ByteString chunk = grab(in);
                    if (winner != null) {
                        // The early bytes left over at the answer may still wait here: the pull in flight then
                        // adds one chunk to them, and no more is pulled until they are taken.
                        pending = pending == null ? chunk : pending.concat(chunk);
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
                    // Before an answer each attempt is read, so that whichever answers first is heard.
                    for (Running r : running) {
                        if (!r.fromLink.hasBeenPulled() && !r.fromLink.isClosed()) {
                            r.fromLink.pull();
                        }
                    }
                }

                @Override
                public void onDownstreamFinish(Throwable cause) {
                    // The client stopped reading: before an answer there is nothing left to open for; after
                    // it, its bytes toward the service may still flow (half-close).
                    if (winner == null) {
                        cancelStage(cause);
                    } else if (!winner.fromLink.isClosed()) {
                        winner.fromLink.cancel(cause);
                    }
                }
            });
        }

        @Override
        public void preStart() {
            launch(false);
        }

        private void launch(boolean beside) {
            Attempt attempt;
            try {
                attempt = attempts.next(beside);
            } catch (Exception e) {
                failStage(e);
                return;
            }
            Running r = new Running(attempt);
            running.add(r);
            r.toLink.setHandler(new AbstractOutHandler() {
                @Override
                public void onPull() {
                    feedLink();
                }

                @Override
                public void onDownstreamFinish(Throwable cause) {
                    // The link stopped taking bytes: the exit is gone or closed its side.
                    if (r == winner && !isClosed(in)) {
                        cancel(in, cause);
                    }
                }
            });
            r.fromLink.setHandler(new AbstractInHandler() {
                @Override
                public void onPush() {
                    // Bytes from an exit come only after its OK, which may overtake the news of the answer.
                    ByteString chunk = r.fromLink.grab();
                    if (mayWin(r)) {
                        win(r);
                    }
                    if (r == winner) {
                        push(out, chunk);
                    } else {
                        close(r, new Outrun());
                    }
                }

                @Override
                public void onUpstreamFinish() {
                    // Before an answer, the answer's own news decides (EntryGate always gives one).
                    if (r == winner) {
                        complete(out);
                    }
                }

                @Override
                public void onUpstreamFailure(Throwable cause) {
                    if (r == winner) {
                        failStage(cause);
                    }
                }
            });
            CompletionStage<OpenReply> reply = Source.fromGraph(r.toLink.source())
                    .viaMat(attempt.link(), Keep.right())
                    .to(r.fromLink.sink())
                    .run(subFusingMaterializer());
            reply.whenComplete((ok, failure) -> answered.invoke(Pair.create(r, failure)));
            attempt.alive().thenRun(() -> alive.invoke(r));
            scheduleOnce(r.timeout, openTimeout);
            attempts.hedgeDelay().ifPresent(delay -> scheduleOnce(r.hedge, delay));
            if (isAvailable(out)) {
                r.fromLink.pull();
            }
            feedLink();
        }

        /** Whether {@code r} may carry the connection: nothing is open, and no other attempt has the early bytes. */
        private boolean mayWin(Running r) {
            return winner == null && !r.closed && (holder == null || holder == r);
        }

        private void answered(Running r, Throwable failure) {
            if (r.closed || r == winner) {
                return;
            }
            if (failure != null) {
                failed(r, failure);
            } else if (mayWin(r)) {
                win(r);
            } else {
                // Its OK came while another attempt holds the early bytes: that one alone may carry them.
                close(r, new Outrun());
            }
        }

        private void win(Running r) {
            winner = r;
            holder = r;
            cancelTimer(r.timeout);
            cancelTimer(r.hedge);
            for (Running other : List.copyOf(running)) {
                if (other != r) {
                    close(other, new Outrun());
                    other.attempt.outrun().run();
                }
            }
            if (r.sent < early.size()) {
                pending = early.drop(r.sent);
            }
            early = ByteString.emptyByteString();
            r.attempt.opened().run();
            feedLink();
        }

        private void failed(Running r, Throwable cause) {
            close(r, cause);
            r.attempt.failed().accept(cause);
            if (holder == r) {
                holder = null;
            }
            if (running.isEmpty()) {
                launch(false);
            } else {
                feedLink();
            }
        }

        /** Ends an attempt that will not carry the connection: its link is failed both ways. */
        private void close(Running r, Throwable cause) {
            r.closed = true;
            running.remove(r);
            cancelTimer(r.timeout);
            cancelTimer(r.hedge);
            if (!r.toLink.isClosed()) {
                r.toLink.fail(cause);
            }
            if (!r.fromLink.isClosed()) {
                r.fromLink.cancel(cause);
            }
        }

        @Override
        public void onTimer(Object key) {
            for (Running r : List.copyOf(running)) {
                if (key == r.timeout && r != winner) {
                    failed(r, new TimeoutException("no answer within " + openTimeout.toMillis() + " ms"));
                } else if (key == r.hedge && winner == null && holder == null && attempts.hedgeDelay().isPresent()) {
                    // No exit has the early bytes: the next attempt may take them as well as this one.
                    launch(true);
                }
            }
        }

        /** Gives a link what it may have next: the early bytes, a pending chunk, the client's end, or a pull. */
        private void feedLink() {
            if (winner != null) {
                feedWinner();
                return;
            }
            Running target = holder != null ? holder : running.stream().filter(this::mayTakeEarlyBytes).findFirst().orElse(null);
            if (target != null && !target.toLink.isClosed()) {
                if (target.toLink.isAvailable() && target.sent < early.size()) {
                    target.toLink.push(target.sent == 0 ? early : early.drop(target.sent));
                    target.sent = early.size();
                    holder = target;
                }
                if (clientFinished && target.sent == early.size()) {
                    target.toLink.complete();
                }
            }
            if (early.size() < MAX_EARLY_BYTES && !hasBeenPulled(in) && !isClosed(in)) {
                pull(in);
            }
        }

        /**
         * Whether {@code r} may be given the early bytes before it answers: its exit has shown it is alive,
         * or no other attempt is on its way nor could start beside it.
         */
        private boolean mayTakeEarlyBytes(Running r) {
            return r.alive || (running.size() == 1 && attempts.hedgeDelay().isEmpty());
        }

        private void feedWinner() {
            if (winner.toLink.isClosed()) {
                return;
            }
            if (winner.toLink.isAvailable() && pending != null) {
                winner.toLink.push(pending);
                pending = null;
            }
            if (clientFinished && pending == null) {
                winner.toLink.complete();
                return;
            }
            if (pending == null && winner.toLink.isAvailable() && !hasBeenPulled(in) && !isClosed(in)) {
                pull(in);
            }
        }
    }
}
