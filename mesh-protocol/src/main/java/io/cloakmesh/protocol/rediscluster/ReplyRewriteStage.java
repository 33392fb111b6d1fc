package io.cloakmesh.protocol.rediscluster;

import io.cloakmesh.protocol.resp.RelayLogic;
import io.cloakmesh.protocol.resp.RelayStage;
import io.cloakmesh.protocol.resp.ReplyPairing;
import io.cloakmesh.protocol.resp.RespLimits;
import io.cloakmesh.protocol.resp.RespProtocolException;
import io.cloakmesh.protocol.resp.RespReader;
import io.cloakmesh.protocol.resp.RespValue;
import io.cloakmesh.protocol.resp.RespWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.util.ByteString;
import org.apache.pekko.util.ByteStringBuilder;

/**
 * The entry side of one client connection to a remote Redis Cluster node: requests pass unchanged
 * (their heads are read to pair replies), and replies that carry node addresses — MOVED/ASK errors and
 * the CLUSTER topology replies — are gathered, rewritten by {@link ReplyRewriter} and sent on; every
 * other reply streams through as it arrives, never gathered. A reply naming a node without an endpoint
 * is held, with everything after it, while the topology is read again; after {@code unmappedWait} the
 * client gets an error reply instead, never a real address.
 *
 * <p>Shape: in1 client requests → out1 upstream; in2 upstream replies → out2 client.
 */
public final class ReplyRewriteStage extends RelayStage {

    /** Bounds of one connection: RESP limits, the largest reply gathered, the wait for an endpoint. */
    public record Settings(RespLimits limits, int maxGathered, int maxOutstanding, Duration unmappedWait) {
    }

    private static final Duration RETRY = Duration.ofMillis(100);

    private final Settings settings;
    private final EndpointSource endpoints;
    private final Endpoint own;
    private final BooleanSupplier scriptsAllowed;

    /**
     * @param own the endpoint the client reached the node on
     * @param scriptsAllowed whether the export lets scripts and functions run (read for each one)
     */
    public ReplyRewriteStage(Settings settings, EndpointSource endpoints, Endpoint own, BooleanSupplier scriptsAllowed) {
        super("ReplyRewriteStage");
        this.settings = settings;
        this.endpoints = endpoints;
        this.own = own;
        this.scriptsAllowed = scriptsAllowed;
    }

    @Override
    public GraphStageLogic createLogic(Attributes inheritedAttributes) {
        return new Logic();
    }

    /** Holding and timers only: which requests pass is {@link RequestVetting}'s, how replies are cut {@link ReplyCutter}'s. */
    private final class Logic extends RelayLogic {
        private final ReplyPairing pairing = new ReplyPairing(settings.maxOutstanding());
        private final RequestVetting vetting = new RequestVetting(settings.limits(), pairing, scriptsAllowed);
        private final ReplyCutter cutter = new ReplyCutter(settings.limits(), pairing, settings.maxGathered());
        private final ReplyRewriter rewriter = new ReplyRewriter(endpoints, own);

        /** While a reply waits for an endpoint: it, the bytes after it, and the deadline. */
        private ReplyCutter.Whole held;
        private ByteString heldRest;
        private String heldNode;
        private long heldUntil;
        private boolean repliesFinished;
        private AsyncCallback<Object> refreshed;

        Logic() {
            super(shape());
            setHandler(requestsIn, new AbstractInHandler() {
                @Override
                public void onPush() throws RespProtocolException {
                    ByteString forward = vetting.read(grab(requestsIn));
                    if (forward.isEmpty()) {
                        pull(requestsIn);
                    } else {
                        push(requestsOut, forward);
                    }
                }

                @Override
                public void onUpstreamFinish() {
                    ByteString unfinished = vetting.unfinished();
                    if (!unfinished.isEmpty()) {
                        emit(requestsOut, unfinished);
                    }
                    complete(requestsOut);
                }
            });
            relayDemand(requestsOut, requestsIn);
            setHandler(repliesIn, new AbstractInHandler() {
                @Override
                public void onPush() throws RespProtocolException {
                    emitReplies(grab(repliesIn), new ByteStringBuilder());
                }

                @Override
                public void onUpstreamFinish() {
                    repliesFinished = true;
                    if (held == null) {
                        complete(repliesOut);
                    }
                }
            });
            setHandler(repliesOut, new AbstractOutHandler() {
                @Override
                public void onPull() {
                    if (held == null && !hasBeenPulled(repliesIn) && !isClosed(repliesIn)) {
                        pull(repliesIn);
                    }
                }

                @Override
                public void onDownstreamFinish(Throwable cause) {
                    cancel(repliesIn, cause);
                }
            });
        }

        @Override
        public void preStart() {
            refreshed = createAsyncCallback(done -> {
                try {
                    retryHeld();
                } catch (RespProtocolException e) {
                    failStage(e);
                }
            });
        }

        /**
         * Reads replies from {@code chunk} after {@code out}, and pushes what may go on; stops at a reply
         * that must wait for an endpoint.
         */
        private void emitReplies(ByteString chunk, ByteStringBuilder out) throws RespProtocolException {
            ByteBuffer bytes = chunk.asByteBuffer();
            ReplyCutter.Whole whole;
            while ((whole = cutter.next(chunk, bytes, out)) != null) {
                ReplyRewriter.Result result = rewrite(whole);
                if (result instanceof ReplyRewriter.Unmapped unmapped) {
                    hold(whole, chunk.drop(bytes.position()), unmapped.node());
                    break;
                }
                out.append(ByteString.fromArrayUnsafe(RespWriter.write(((ReplyRewriter.Rewritten) result).reply())));
            }
            ByteString result = out.result();
            if (!result.isEmpty()) {
                // emit, not push: replies sent before a held one have already been pushed
                emit(repliesOut, result);
            } else if (held == null && !isClosed(repliesIn)) {
                pull(repliesIn);
            }
        }

        private ReplyRewriter.Result rewrite(ReplyCutter.Whole whole) throws RespProtocolException {
            RespValue value = RespReader.read(whole.reply().asByteBuffer());
            if (whole.type() == '-') {
                RespValue.Error error = (RespValue.Error) value;
                return vetting.refusal(error).<ReplyRewriter.Result>map(ReplyRewriter.Rewritten::new)
                        .orElseGet(() -> rewriter.error(error));
            }
            return switch (whole.kind()) {
                case CLUSTER_SLOTS -> rewriter.slots(value);
                case CLUSTER_SHARDS -> rewriter.shards(value);
                case CLUSTER_NODES -> rewriter.nodes(value);
                case CLUSTER_REPLICAS -> rewriter.replicas(value);
                case ROLE -> rewriter.role(value);
                case INFO -> rewriter.info(value);
                default -> new ReplyRewriter.Rewritten(value);
            };
        }

        private void hold(ReplyCutter.Whole reply, ByteString rest, String node) {
            held = reply;
            heldRest = rest;
            heldNode = node;
            heldUntil = System.nanoTime() + settings.unmappedWait().toNanos();
            refresh();
        }

        private void refresh() {
            endpoints.refresh(heldNode).whenComplete((done, failure) -> refreshed.invoke(Boolean.TRUE));
        }

        @Override
        public void onTimer(Object key) {
            refresh();
        }

        /** The topology was read again: send the held reply rewritten, wait more, or give up with an error. */
        private void retryHeld() throws RespProtocolException {
            if (held == null) {
                return;
            }
            ReplyRewriter.Result result = rewrite(held);
            byte[] reply;
            if (result instanceof ReplyRewriter.Rewritten rewritten) {
                reply = RespWriter.write(rewritten.reply());
            } else if (System.nanoTime() - heldUntil < 0) {
                scheduleOnce("refresh", RETRY);
                return;
            } else {
                // The reply names a node only by its real address or id: neither goes to the client.
                reply = "-TRYAGAIN cloakmesh has no endpoint yet for the cluster node this reply names\r\n"
                        .getBytes(StandardCharsets.ISO_8859_1);
            }
            ByteString rest = heldRest;
            held = null;
            heldRest = null;
            emitReplies(rest, new ByteStringBuilder().append(ByteString.fromArrayUnsafe(reply)));
            if (held == null && repliesFinished) {
                complete(repliesOut);
            }
        }
    }
}
