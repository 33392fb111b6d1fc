package io.cloakmesh.protocol.filter;

import io.cloakmesh.protocol.resp.RelayLogic;
import io.cloakmesh.protocol.resp.RelayStage;
import io.cloakmesh.protocol.resp.RespLimits;
import io.cloakmesh.protocol.resp.RespProtocolException;
import java.util.function.Supplier;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.util.ByteString;

/**
 * The filter on one connection to a Redis, at the exit: a thin stage around a {@link FilterSession},
 * which decides what Redis and the client get. The rules are read again for each command, so new rules
 * apply to open connections from their next command.
 *
 * <p>Shape: requestsIn client requests → requestsOut Redis; repliesIn Redis replies → repliesOut client.
 */
public final class FilterStage extends RelayStage {
    /** What the stage reports, for counters and logs: never a command's arguments. */
    public interface Listener {
        /** A command passed ({@code rule} null) or was refused by {@code rule}. */
        void judged(String rule);
    }

    /**
     * @param maxCommandBytes the longest command read (it is held whole until judged)
     * @param maxOutstanding commands a client may send ahead of their replies
     */
    public record Settings(RespLimits limits, int maxCommandBytes, int maxOutstanding) {
    }

    private final Settings settings;
    private final Supplier<CommandFilter> filter;
    private final Listener listener;

    /** @param filter the rules as they are now, asked again for every command */
    public FilterStage(Settings settings, Supplier<CommandFilter> filter, Listener listener) {
        super("FilterStage");
        this.settings = settings;
        this.filter = filter;
        this.listener = listener;
    }

    @Override
    public GraphStageLogic createLogic(Attributes inheritedAttributes) {
        return new Logic();
    }

    /** Demand, ends and failures only: every decision is the {@link FilterSession}'s. */
    private final class Logic extends RelayLogic {
        private final FilterSession session = new FilterSession(settings, filter, listener);

        Logic() {
            super(shape());
            setHandler(requestsIn, new AbstractInHandler() {
                @Override
                public void onPush() throws RespProtocolException {
                    ByteString out = session.requests(grab(requestsIn));
                    if (out.isEmpty()) {
                        pull(requestsIn);
                    } else {
                        push(requestsOut, out);
                    }
                }

                @Override
                public void onUpstreamFinish() {
                    // A command cut off by the client's end is never run by Redis either: it is dropped.
                    complete(requestsOut);
                }
            });
            relayDemand(requestsOut, requestsIn);
            setHandler(repliesIn, new AbstractInHandler() {
                @Override
                public void onPush() throws RespProtocolException {
                    ByteString out = session.replies(grab(repliesIn));
                    if (out.isEmpty()) {
                        pull(repliesIn);
                    } else {
                        push(repliesOut, out);
                    }
                }

                @Override
                public void onUpstreamFinish() {
                    complete(repliesOut);
                }
            });
            relayDemand(repliesOut, repliesIn);
        }
    }
}
