package io.cloakmesh.protocol.resp;

import java.nio.ByteBuffer;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.util.ByteString;
import org.apache.pekko.util.ByteStringBuilder;

/**
 * Cuts a byte stream into whole top-level RESP values, one element each, for a connection the mesh
 * itself talks on (reading a cluster's topology), where every reply is wanted whole. A value larger
 * than {@code maxFrame} fails the stream; the limits are checked before anything of that size exists.
 */
public final class RespFraming extends GraphStage<FlowShape<ByteString, ByteString>> {
    private final Inlet<ByteString> in = Inlet.create("RespFraming.in");
    private final Outlet<ByteString> out = Outlet.create("RespFraming.out");
    private final FlowShape<ByteString, ByteString> shape = FlowShape.of(in, out);
    private final RespLimits limits;
    private final RespScanner.Direction direction;
    private final int maxFrame;

    public RespFraming(RespLimits limits, RespScanner.Direction direction, int maxFrame) {
        this.limits = limits;
        this.direction = direction;
        this.maxFrame = maxFrame;
    }

    @Override
    public FlowShape<ByteString, ByteString> shape() {
        return shape;
    }

    @Override
    public GraphStageLogic createLogic(Attributes inheritedAttributes) {
        return new GraphStageLogic(shape) {
            private final RespScanner scanner = new RespScanner(limits, direction);
            private ByteStringBuilder frame = new ByteStringBuilder();
            /** Bytes read past the last whole value, not yet scanned. */
            private ByteString rest = ByteString.emptyByteString();

            {
                setHandler(in, new AbstractInHandler() {
                    @Override
                    public void onPush() throws RespProtocolException {
                        rest = rest.concat(grab(in));
                        emitNext();
                    }

                    @Override
                    public void onUpstreamFinish() {
                        if (rest.isEmpty()) {
                            completeStage();
                        }
                    }
                });
                setHandler(out, new AbstractOutHandler() {
                    @Override
                    public void onPull() throws RespProtocolException {
                        emitNext();
                    }
                });
            }

            private void emitNext() throws RespProtocolException {
                if (!isAvailable(out)) {
                    return;
                }
                ByteBuffer bytes = rest.asByteBuffer();
                boolean ended = scanner.advance(bytes);
                frame.append(rest.take(bytes.position()));
                rest = rest.drop(bytes.position());
                if (frame.length() > maxFrame) {
                    throw new RespProtocolException("a value larger than " + maxFrame + " bytes");
                }
                if (ended) {
                    push(out, frame.result());
                    frame = new ByteStringBuilder();
                } else if (isClosed(in)) {
                    completeStage();
                } else if (!hasBeenPulled(in)) {
                    pull(in);
                }
            }
        };
    }
}
