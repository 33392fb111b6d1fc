package io.cloakmesh.protocol.link;

import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.BidiShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.javadsl.BidiFlow;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.util.ByteString;

/**
 * The exit's side of the open exchange, on the plaintext side of a link: reads the request, asks
 * {@code decide} for an answer (which connects the target when it says OK), writes the answer, and on OK
 * passes bytes both ways. Top row link → target, bottom row target → link.
 *
 * <p>A request in a newer version gets {@link OpenStatus#UNSUPPORTED_VERSION}; bytes that are not a
 * request at all fail the stage, which closes the link.
 */
public final class ExitGate extends GraphStage<BidiShape<ByteString, ByteString, ByteString, ByteString>> {
    private final Inlet<ByteString> linkIn = Inlet.create("ExitGate.linkIn");
    private final Outlet<ByteString> targetOut = Outlet.create("ExitGate.targetOut");
    private final Inlet<ByteString> targetIn = Inlet.create("ExitGate.targetIn");
    private final Outlet<ByteString> linkOut = Outlet.create("ExitGate.linkOut");
    private final BidiShape<ByteString, ByteString, ByteString, ByteString> shape =
            BidiShape.of(linkIn, targetOut, targetIn, linkOut);
    private final Function<OpenRequest, CompletionStage<OpenReply>> decide;

    private ExitGate(Function<OpenRequest, CompletionStage<OpenReply>> decide) {
        this.decide = decide;
    }

    public static BidiFlow<ByteString, ByteString, ByteString, ByteString, NotUsed> create(
            Function<OpenRequest, CompletionStage<OpenReply>> decide) {
        return BidiFlow.fromGraph(new ExitGate(decide));
    }

    @Override
    public BidiShape<ByteString, ByteString, ByteString, ByteString> shape() {
        return shape;
    }

    @Override
    public GraphStageLogic createLogic(Attributes attrs) {
        return new Logic();
    }

    private final class Logic extends GraphStageLogic {
        private ByteString requestBytes = ByteString.emptyByteString();
        private boolean requested;
        private boolean open;
        private boolean linkFinished;
        private boolean targetFinished;

        Logic() {
            super(shape);
            setHandler(linkIn, new AbstractInHandler() {
                @Override
                public void onPush() {
                    ByteString chunk = grab(linkIn);
                    if (open) {
                        push(targetOut, chunk);
                    } else {
                        readRequest(chunk);
                    }
                }

                @Override
                public void onUpstreamFinish() {
                    if (open) {
                        complete(targetOut);
                    } else if (!requested) {
                        completeStage();
                    } else {
                        linkFinished = true;
                    }
                }
            });
            setHandler(targetOut, new AbstractOutHandler() {
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
            setHandler(targetIn, new AbstractInHandler() {
                @Override
                public void onPush() {
                    push(linkOut, grab(targetIn));
                }

                @Override
                public void onUpstreamFinish() {
                    // A target that hangs up before the answer is written still gets its answer sent.
                    if (open) {
                        complete(linkOut);
                    } else {
                        targetFinished = true;
                    }
                }
            });
            setHandler(linkOut, new AbstractOutHandler() {
                @Override
                public void onPull() {
                    if (open && !hasBeenPulled(targetIn) && !isClosed(targetIn)) {
                        pull(targetIn);
                    }
                }

                @Override
                public void onDownstreamFinish(Throwable cause) {
                    if (open) {
                        cancel(targetIn, cause);
                    } else {
                        cancelStage(cause);
                    }
                }
            });
        }

        @Override
        public void preStart() {
            pull(linkIn);
        }

        private void readRequest(ByteString chunk) {
            requestBytes = requestBytes.concat(chunk);
            LinkFrames.Decoded<OpenRequest> decoded;
            try {
                decoded = LinkFrames.decodeRequest(requestBytes);
            } catch (LinkFrames.UnsupportedVersionException e) {
                requested = true;
                answer(OpenReply.refused(OpenStatus.UNSUPPORTED_VERSION, e.getMessage()));
                return;
            }
            if (decoded == null) {
                if (requestBytes.size() > LinkFrames.MAX_REQUEST_LENGTH) {
                    throw new MalformedFrameException("open request longer than " + LinkFrames.MAX_REQUEST_LENGTH + " bytes");
                }
                pull(linkIn);
                return;
            }
            requested = true;
            requestBytes = requestBytes.drop(decoded.length());
            AsyncCallback<OpenReply> callback = createAsyncCallback(this::answer);
            decide.apply(decoded.frame()).whenComplete((reply, failure) -> callback.invoke(reply != null ? reply
                    : OpenReply.refused(OpenStatus.TARGET_UNREACHABLE, String.valueOf(failure))));
        }

        private void answer(OpenReply reply) {
            if (!reply.ok()) {
                emit(linkOut, LinkFrames.encode(reply), this::completeStage);
                return;
            }
            open = true;
            emit(linkOut, LinkFrames.encode(reply));
            ByteString early = requestBytes;
            requestBytes = ByteString.emptyByteString();
            if (!early.isEmpty()) {
                emit(targetOut, early);
            }
            if (targetFinished) {
                complete(linkOut);
            }
            if (linkFinished) {
                complete(targetOut);
            } else if (early.isEmpty() && isAvailable(targetOut)) {
                pull(linkIn);
            }
        }
    }
}
