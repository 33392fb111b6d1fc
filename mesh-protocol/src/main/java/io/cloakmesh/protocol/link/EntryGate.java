package io.cloakmesh.protocol.link;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.BidiShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.javadsl.BidiFlow;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.AbstractGraphStageWithMaterializedValue;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.util.ByteString;

/**
 * The entry's side of the open exchange, on the plaintext side of a link: sends the request and right
 * behind it the client's bytes (the exit holds them until it has answered), reads the reply, and only
 * after an OK passes the exit's bytes to the client. Top row client → link, bottom row link → client.
 *
 * <p>The materialized value completes with the OK reply, or fails with {@link LinkRefusedException} for a
 * refusal or a link that ends first, so the caller can try the next exit ({@link LinkFailover}).
 */
public final class EntryGate extends AbstractGraphStageWithMaterializedValue<
        BidiShape<ByteString, ByteString, ByteString, ByteString>, CompletionStage<OpenReply>> {
    private final Inlet<ByteString> clientIn = Inlet.create("EntryGate.clientIn");
    private final Outlet<ByteString> linkOut = Outlet.create("EntryGate.linkOut");
    private final Inlet<ByteString> linkIn = Inlet.create("EntryGate.linkIn");
    private final Outlet<ByteString> clientOut = Outlet.create("EntryGate.clientOut");
    private final BidiShape<ByteString, ByteString, ByteString, ByteString> shape =
            BidiShape.of(clientIn, linkOut, linkIn, clientOut);
    private final OpenRequest request;

    private EntryGate(OpenRequest request) {
        this.request = request;
    }

    public static BidiFlow<ByteString, ByteString, ByteString, ByteString, CompletionStage<OpenReply>> create(
            OpenRequest request) {
        return BidiFlow.fromGraph(new EntryGate(request));
    }

    @Override
    public BidiShape<ByteString, ByteString, ByteString, ByteString> shape() {
        return shape;
    }

    @Override
    public Pair<GraphStageLogic, CompletionStage<OpenReply>> createLogicAndMaterializedValuePair(Attributes attrs) {
        Logic logic = new Logic();
        return Pair.create(logic, logic.opened);
    }

    private final class Logic extends GraphStageLogic {
        private final CompletableFuture<OpenReply> opened = new CompletableFuture<>();
        private ByteString replyBytes = ByteString.emptyByteString();
        private boolean open;

        Logic() {
            super(shape);
            setHandler(clientIn, new AbstractInHandler() {
                @Override
                public void onPush() {
                    push(linkOut, grab(clientIn));
                }

                @Override
                public void onUpstreamFinish() {
                    // After the request (complete waits for a pending emit): the exit answers, then passes the end on.
                    complete(linkOut);
                }
            });
            setHandler(linkOut, new AbstractOutHandler() {
                @Override
                public void onPull() {
                    if (!hasBeenPulled(clientIn) && !isClosed(clientIn)) {
                        pull(clientIn);
                    }
                }

                @Override
                public void onDownstreamFinish(Throwable cause) {
                    cancel(clientIn, cause);
                    if (!open) {
                        cancelStage(cause);
                    }
                }
            });
            setHandler(linkIn, new AbstractInHandler() {
                @Override
                public void onPush() {
                    ByteString chunk = grab(linkIn);
                    if (open) {
                        push(clientOut, chunk);
                    } else {
                        readReply(chunk);
                    }
                }

                @Override
                public void onUpstreamFinish() {
                    if (open) {
                        complete(clientOut);
                    } else {
                        failStage(LinkRefusedException.closedBeforeReply());
                    }
                }

                @Override
                public void onUpstreamFailure(Throwable cause) {
                    // Keep the real reason (connection refused, handshake failed) for the entry's log.
                    opened.completeExceptionally(cause);
                    failStage(cause);
                }
            });
            setHandler(clientOut, new AbstractOutHandler() {
                @Override
                public void onPull() {
                    if (open && !hasBeenPulled(linkIn) && !isClosed(linkIn)) {
                        pull(linkIn);
                    }
                }

                @Override
                public void onDownstreamFinish(Throwable cause) {
                    cancel(linkIn, cause);
                }
            });
        }

        @Override
        public void preStart() {
            emit(linkOut, LinkFrames.encode(request));
            pull(linkIn);
        }

        @Override
        public void postStop() {
            opened.completeExceptionally(LinkRefusedException.closedBeforeReply());
        }

        private void readReply(ByteString chunk) {
            replyBytes = replyBytes.concat(chunk);
            LinkFrames.Decoded<OpenReply> decoded = LinkFrames.decodeReply(replyBytes);
            if (decoded == null) {
                if (replyBytes.size() > LinkFrames.MAX_REPLY_LENGTH) {
                    throw new MalformedFrameException("open reply longer than " + LinkFrames.MAX_REPLY_LENGTH + " bytes");
                }
                pull(linkIn);
                return;
            }
            if (!decoded.frame().ok()) {
                LinkRefusedException refused = new LinkRefusedException(decoded.frame());
                opened.completeExceptionally(refused);
                failStage(refused);
                return;
            }
            open = true;
            ByteString rest = replyBytes.drop(decoded.length());
            replyBytes = ByteString.emptyByteString();
            opened.complete(decoded.frame());
            if (!rest.isEmpty()) {
                emit(clientOut, rest);
            } else if (isAvailable(clientOut)) {
                pull(linkIn);
            }
        }
    }
}
