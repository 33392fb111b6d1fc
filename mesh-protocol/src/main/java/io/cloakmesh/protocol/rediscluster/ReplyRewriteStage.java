package io.cloakmesh.protocol.rediscluster;

import io.cloakmesh.protocol.resp.ReplyPairing;
import io.cloakmesh.protocol.resp.RequestHead;
import io.cloakmesh.protocol.resp.RespLimits;
import io.cloakmesh.protocol.resp.RespProtocolException;
import io.cloakmesh.protocol.resp.RespReader;
import io.cloakmesh.protocol.resp.RespScanner;
import io.cloakmesh.protocol.resp.RespValue;
import io.cloakmesh.protocol.resp.RespWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.BidiShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.stream.stage.TimerGraphStageLogic;
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
public final class ReplyRewriteStage extends GraphStage<BidiShape<ByteString, ByteString, ByteString, ByteString>> {

    /** Bounds of one connection: RESP limits, the largest reply gathered, the wait for an endpoint. */
    public record Settings(RespLimits limits, int maxGathered, int maxOutstanding, Duration unmappedWait) {
    }

    private static final int REQUEST_HEAD_BYTES = 256;
    /** Sent in place of a refused command: Redis answers an unknown command with an error, in order. */
    private static final String REFUSED_NAME = "CLOAKMESH-REFUSED";
    private static final ByteString REFUSED_COMMAND =
            ByteString.fromString("*1\r\n$" + REFUSED_NAME.length() + "\r\n" + REFUSED_NAME + "\r\n");
    private static final Duration RETRY = Duration.ofMillis(100);

    private final Inlet<ByteString> requestsIn = Inlet.create("ReplyRewriteStage.requestsIn");
    private final Outlet<ByteString> requestsOut = Outlet.create("ReplyRewriteStage.requestsOut");
    private final Inlet<ByteString> repliesIn = Inlet.create("ReplyRewriteStage.repliesIn");
    private final Outlet<ByteString> repliesOut = Outlet.create("ReplyRewriteStage.repliesOut");
    private final BidiShape<ByteString, ByteString, ByteString, ByteString> shape =
            BidiShape.of(requestsIn, requestsOut, repliesIn, repliesOut);
    private final Settings settings;
    private final EndpointSource endpoints;

    public ReplyRewriteStage(Settings settings, EndpointSource endpoints) {
        this.settings = settings;
        this.endpoints = endpoints;
    }

    @Override
    public BidiShape<ByteString, ByteString, ByteString, ByteString> shape() {
        return shape;
    }

    @Override
    public GraphStageLogic createLogic(Attributes inheritedAttributes) {
        return new Logic();
    }

    private final class Logic extends TimerGraphStageLogic {
        private final RespScanner requestScanner = new RespScanner(settings.limits(), RespScanner.Direction.REQUESTS);
        private final RespScanner replyScanner = new RespScanner(settings.limits(), RespScanner.Direction.REPLIES);
        private final ReplyPairing pairing = new ReplyPairing(settings.maxOutstanding());
        private final ReplyRewriter rewriter = new ReplyRewriter(endpoints);
        /** The start of the request being read, until its head is known; then whether it is refused. */
        private ByteStringBuilder pendingHead = new ByteStringBuilder();
        private boolean headKnown;
        private boolean refusing;
        /** Why each refused command was refused, in order, for the errors still to come back. */
        private final ArrayDeque<String> refused = new ArrayDeque<>();

        /** The reply being read: whether it is gathered, and what it answers. */
        private boolean inReply;
        private boolean gathering;
        private char replyType;
        private ReplyPairing.Kind replyKind;
        private ByteStringBuilder gathered = new ByteStringBuilder();

        /** While a reply waits for an endpoint: it, the bytes after it, and the deadline. */
        private ByteString held;
        private ByteString heldRest;
        private String heldNode;
        private long heldUntil;
        private boolean repliesFinished;
        private AsyncCallback<Object> refreshed;

        Logic() {
            super(shape);
            setHandler(requestsIn, new AbstractInHandler() {
                @Override
                public void onPush() throws RespProtocolException {
                    ByteString forward = readRequests(grab(requestsIn));
                    if (forward.isEmpty()) {
                        pull(requestsIn);
                    } else {
                        push(requestsOut, forward);
                    }
                }

                @Override
                public void onUpstreamFinish() {
                    // A request cut off by the client's half-close still goes on, as it would without the stage.
                    ByteString unfinished = pendingHead.result();
                    if (!unfinished.isEmpty()) {
                        emit(requestsOut, unfinished);
                    }
                    complete(requestsOut);
                }
            });
            setHandler(requestsOut, new AbstractOutHandler() {
                @Override
                public void onPull() {
                    pull(requestsIn);
                }

                @Override
                public void onDownstreamFinish(Throwable cause) {
                    cancel(requestsIn, cause);
                }
            });
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
         * Pairs each request and returns the bytes to send upstream: a request is held until its head is
         * known (at most {@link #REQUEST_HEAD_BYTES}), so that a command that names node addresses, or a
         * topology command whose reply could not be rewritten (inside MULTI, in MONITOR or RESP2 subscribe
         * mode), is replaced by one Redis refuses, in order; its error is then reworded on the way back.
         */
        private ByteString readRequests(ByteString chunk) throws RespProtocolException {
            ByteBuffer bytes = chunk.asByteBuffer();
            ByteStringBuilder forward = new ByteStringBuilder();
            while (bytes.hasRemaining()) {
                int start = bytes.position();
                boolean ended = requestScanner.advance(bytes);
                ByteString piece = chunk.slice(start, bytes.position());
                if (headKnown) {
                    if (!refusing) {
                        forward.append(piece);
                    }
                } else {
                    pendingHead.append(piece);
                    if (ended || pendingHead.length() >= REQUEST_HEAD_BYTES) {
                        headKnown = true;
                        ByteString held = pendingHead.result();
                        pendingHead = new ByteStringBuilder();
                        RequestHead request = RequestHead.parse(held.asByteBuffer()).orElse(new RequestHead(List.of()));
                        // The subcommand only for container commands: MIGRATE's first argument is an address.
                        String command = request.name().equals("CLUSTER") || request.name().equals("CLIENT")
                                ? request.name() + " " + request.arg(1) : request.name();
                        String why = request.namesAddresses()
                                ? command + ": it names node addresses, and a client of the mesh knows only mesh endpoints; "
                                        + "run it against the cluster itself"
                                : ReplyPairing.carriesAddresses(request) && (pairing.inTransaction() || !pairing.tracked())
                                        ? command + " inside MULTI and in MONITOR or subscribe mode: its reply would carry "
                                                + "the cluster's real addresses"
                                        : null;
                        refusing = why != null;
                        if (refusing) {
                            refused.add(why);
                            forward.append(REFUSED_COMMAND);
                            pairing.request(new RequestHead(List.of(REFUSED_NAME)));
                        } else {
                            forward.append(held);
                            pairing.request(request);
                        }
                    }
                }
                if (ended) {
                    headKnown = false;
                    refusing = false;
                }
            }
            return forward.result();
        }

        /**
         * Reads replies from {@code bytes} after {@code out}, and pushes what may go on; stops at a reply
         * that must wait for an endpoint.
         */
        private void emitReplies(ByteString chunk, ByteStringBuilder out) throws RespProtocolException {
            ByteBuffer bytes = chunk.asByteBuffer();
            while (bytes.hasRemaining()) {
                if (!inReply) {
                    startReply((char) bytes.get(bytes.position()));
                }
                int start = bytes.position();
                boolean ended = replyScanner.advance(bytes);
                ByteString piece = chunk.slice(start, bytes.position());
                if (!gathering) {
                    out.append(piece);
                } else {
                    gathered.append(piece);
                    if (gathered.length() > settings.maxGathered()) {
                        throw new RespProtocolException("a reply to rewrite is larger than " + settings.maxGathered() + " bytes");
                    }
                }
                if (ended) {
                    inReply = false;
                    if (gathering) {
                        ByteString reply = gathered.result();
                        gathered = new ByteStringBuilder();
                        if (replyType == '+') {
                            // +OK, +QUEUED, +PONG: read only for pairing (a +RESET resyncs it), sent on as they came
                            pairing.reply('+', reply.slice(1, reply.length() - 2).decodeString(StandardCharsets.ISO_8859_1));
                            out.append(reply);
                            continue;
                        }
                        ReplyRewriter.Result result = rewrite(reply);
                        if (result instanceof ReplyRewriter.Unmapped unmapped) {
                            hold(reply, chunk.drop(bytes.position()), unmapped.node());
                            break;
                        }
                        out.append(ByteString.fromArrayUnsafe(RespWriter.write(((ReplyRewriter.Rewritten) result).reply())));
                    }
                }
            }
            ByteString result = out.result();
            if (!result.isEmpty()) {
                // emit, not push: replies sent before a held one have already been pushed
                emit(repliesOut, result);
            } else if (held == null && !isClosed(repliesIn)) {
                pull(repliesIn);
            }
        }

        private void startReply(char type) {
            inReply = true;
            replyType = type;
            if (type == '+' || type == '-') {
                replyKind = null;  // paired once read: a simple string may be the +RESET that resyncs pairing
                gathering = true;
            } else {
                replyKind = pairing.reply(type, null);
                gathering = replyKind != ReplyPairing.Kind.PLAIN && replyKind != ReplyPairing.Kind.HELLO;
            }
        }

        private ReplyRewriter.Result rewrite(ByteString reply) throws RespProtocolException {
            RespValue value = RespReader.read(reply.asByteBuffer());
            if (replyType == '-') {
                if (replyKind == null) {
                    replyKind = pairing.reply('-', null);
                }
                RespValue.Error error = (RespValue.Error) value;
                if (error.text().toUpperCase(Locale.ROOT).contains("'" + REFUSED_NAME + "'")) {
                    return new ReplyRewriter.Rewritten(new RespValue.Error("ERR cloakmesh refuses "
                            + Objects.requireNonNullElse(refused.poll(), "that command")));
                }
                return rewriter.error(error);
            }
            return switch (replyKind) {
                case CLUSTER_SLOTS -> rewriter.slots(value);
                case CLUSTER_SHARDS -> rewriter.shards(value);
                case CLUSTER_NODES -> rewriter.nodes(value);
                case CLUSTER_REPLICAS -> rewriter.replicas(value);
                case ROLE -> rewriter.role(value);
                case INFO -> rewriter.info(value);
                default -> new ReplyRewriter.Rewritten(value);
            };
        }

        private void hold(ByteString reply, ByteString rest, String node) {
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
