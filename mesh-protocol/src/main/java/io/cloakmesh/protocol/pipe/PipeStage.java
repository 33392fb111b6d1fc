package io.cloakmesh.protocol.pipe;

import io.cloakmesh.crypto.pipe.BadPacketException;
import io.cloakmesh.crypto.pipe.Handshake;
import io.cloakmesh.crypto.pipe.HandshakeException;
import io.cloakmesh.crypto.pipe.Role;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.BidiShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.AbstractGraphStageWithMaterializedValue;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.stream.stage.TimerGraphStageLogic;
import org.apache.pekko.util.ByteString;

/**
 * One end of a spiped pipe. Top row (plaintext in → wire out) seals, bottom row (wire in → plaintext out)
 * opens. The stage first runs the {@link Handshake} over the wire ports with exact reads, so packets that
 * arrive right behind the peer's handshake are kept for the data phase, then moves bytes.
 *
 * <p>Buffering is bounded to one upstream element per direction: a port is pulled again only after what
 * it produced has been pushed on. Plaintext EOF becomes wire EOF and back (half-close), a partial packet
 * at wire EOF is dropped like spiped does, and any failed check fails the whole stage, which aborts both
 * sockets at once.
 *
 * <p>The materialized value completes when the stage stops, failed with the reason if it failed, so the
 * caller can log why each connection ended.
 */
final class PipeStage extends AbstractGraphStageWithMaterializedValue<
        BidiShape<ByteString, ByteString, ByteString, ByteString>, CompletionStage<Done>> {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String HANDSHAKE_TIMER = "handshake";

    private final Inlet<ByteString> plainIn = Inlet.create("Pipe.plainIn");
    private final Outlet<ByteString> wireOut = Outlet.create("Pipe.wireOut");
    private final Inlet<ByteString> wireIn = Inlet.create("Pipe.wireIn");
    private final Outlet<ByteString> plainOut = Outlet.create("Pipe.plainOut");
    private final BidiShape<ByteString, ByteString, ByteString, ByteString> shape =
            BidiShape.of(plainIn, wireOut, wireIn, plainOut);

    private final Role role;
    private final PipeSettings settings;
    private final CompletableFuture<Done> authenticated;

    PipeStage(Role role, PipeSettings settings, CompletableFuture<Done> authenticated) {
        this.role = role;
        this.settings = settings;
        this.authenticated = authenticated;
    }

    @Override
    public BidiShape<ByteString, ByteString, ByteString, ByteString> shape() {
        return shape;
    }

    @Override
    public Pair<GraphStageLogic, CompletionStage<Done>> createLogicAndMaterializedValuePair(Attributes inheritedAttributes) {
        Logic logic = new Logic();
        return Pair.create(logic, logic.finished);
    }

    private final class Logic extends TimerGraphStageLogic {
        private final CompletableFuture<Done> finished = new CompletableFuture<>();
        private final Handshake handshake = Handshake.start(role,
                role == Role.CLIENT ? List.of(settings.key()) : settings.keys(), settings.mode(), RANDOM);
        private final byte[] handshakeBuffer = new byte[Handshake.DH_MESSAGE_LENGTH];
        private int handshakeFill;
        private PacketFraming framing;
        private ByteString wirePending = ByteString.emptyByteString();
        private ByteString plainPending = ByteString.emptyByteString();
        private boolean plainInFinished;
        private boolean wireInFinished;

        Logic() {
            super(shape);
            setHandler(plainIn, new AbstractInHandler() {
                @Override
                public void onPush() {
                    seal(grab(plainIn));
                }

                @Override
                public void onUpstreamFinish() {
                    plainInFinished = true;
                    flushWire();
                }

                @Override
                public void onUpstreamFailure(Throwable cause) {
                    fail(cause);
                }
            });
            setHandler(wireOut, new AbstractOutHandler() {
                @Override
                public void onPull() {
                    flushWire();
                }

                @Override
                public void onDownstreamFinish(Throwable cause) {
                    outputCancelled(plainIn, cause);
                }
            });
            setHandler(wireIn, new AbstractInHandler() {
                @Override
                public void onPush() {
                    receiveWire(grab(wireIn));
                }

                @Override
                public void onUpstreamFinish() {
                    if (!handshake.isComplete()) {
                        fail(new PipeFailure(PipeFailure.Reason.HANDSHAKE_FAILED,
                                "peer closed the connection during the handshake"));
                        return;
                    }
                    wireInFinished = true;
                    deliverPlain();
                }

                @Override
                public void onUpstreamFailure(Throwable cause) {
                    fail(cause);
                }
            });
            setHandler(plainOut, new AbstractOutHandler() {
                @Override
                public void onPull() {
                    deliverPlain();
                }

                @Override
                public void onDownstreamFinish(Throwable cause) {
                    outputCancelled(wireIn, cause);
                }
            });
        }

        @Override
        public void preStart() {
            scheduleOnce(HANDSHAKE_TIMER, settings.handshakeTimeout());
            queueWire(ByteString.fromArrayUnsafe(handshake.nonce()));
            pull(wireIn);
        }

        @Override
        public void onTimer(Object key) {
            fail(new PipeFailure(PipeFailure.Reason.HANDSHAKE_TIMEOUT,
                    "no complete handshake within " + settings.handshakeTimeout().toMillis() + " ms"));
        }

        @Override
        public void postStop() {
            authenticated.completeExceptionally(new PipeFailure(PipeFailure.Reason.HANDSHAKE_FAILED,
                    "connection ended before the handshake completed"));
            finished.complete(Done.getInstance());
        }

        /**
         * A socket stopped taking our output. Before the handshake that ends the connection; after it, only
         * the paired input stops, so the other direction can still finish (half-close).
         */
        private void outputCancelled(Inlet<ByteString> paired, Throwable cause) {
            if (!handshake.isComplete()) {
                fail(cause);
            } else {
                cancel(paired, cause);
            }
        }

        private void fail(Throwable cause) {
            finished.completeExceptionally(cause);
            failStage(cause);
        }

        private void receiveWire(ByteString bytes) {
            if (!handshake.isComplete()) {
                try {
                    bytes = feedHandshake(bytes);
                } catch (HandshakeException e) {
                    fail(new PipeFailure(PipeFailure.Reason.HANDSHAKE_FAILED, e.getMessage()));
                    return;
                }
                if (!handshake.isComplete()) {
                    pull(wireIn);
                    return;
                }
                startDataPhase();
            }
            try {
                openPackets(bytes);
            } catch (BadPacketException e) {
                fail(new PipeFailure(PipeFailure.Reason.BAD_PACKET, e.getMessage()));
                return;
            }
            deliverPlain();
        }

        /** Consumes exactly the handshake's bytes and returns whatever followed them. */
        private ByteString feedHandshake(ByteString bytes) throws HandshakeException {
            while (!bytes.isEmpty() && !handshake.isComplete()) {
                int need = handshake.expecting();
                int take = Math.min(need - handshakeFill, bytes.length());
                bytes.slice(0, take).copyToArray(handshakeBuffer, handshakeFill, take);
                handshakeFill += take;
                bytes = bytes.drop(take);
                if (handshakeFill == need) {
                    handshakeFill = 0;
                    byte[] reply = need == Handshake.NONCE_LENGTH
                            ? handshake.receiveNonce(handshakeBuffer, 0)
                            : handshake.receiveDhMessage(handshakeBuffer, 0);
                    if (reply.length > 0) {
                        queueWire(ByteString.fromArrayUnsafe(reply));
                    }
                }
            }
            return bytes;
        }

        private void startDataPhase() {
            cancelTimer(HANDSHAKE_TIMER);
            framing = new PacketFraming(handshake.keys(), role);
            authenticated.complete(Done.getInstance());
            flushWire();
        }

        private void seal(ByteString plain) {
            if (plain.isEmpty()) {
                pull(plainIn);
                return;
            }
            queueWire(framing.seal(plain));
        }

        private void openPackets(ByteString wire) throws BadPacketException {
            plainPending = plainPending.concat(framing.open(wire));
        }

        private void queueWire(ByteString bytes) {
            wirePending = wirePending.concat(bytes);
            flushWire();
        }

        /** Pushes pending wire bytes; once none are left, asks for more plaintext or passes EOF on. */
        private void flushWire() {
            if (!wirePending.isEmpty()) {
                if (!isAvailable(wireOut)) {
                    return;
                }
                push(wireOut, wirePending);
                wirePending = ByteString.emptyByteString();
            }
            if (!handshake.isComplete() || isClosed(wireOut)) {
                return;
            }
            if (plainInFinished) {
                complete(wireOut);
            } else if (!hasBeenPulled(plainIn)) {
                pull(plainIn);
            }
        }

        /** Pushes opened plaintext; once none is left, reads more from the wire or passes EOF on. */
        private void deliverPlain() {
            if (!plainPending.isEmpty()) {
                if (!isAvailable(plainOut)) {
                    return;
                }
                push(plainOut, plainPending);
                plainPending = ByteString.emptyByteString();
            }
            if (wireInFinished) {
                if (!isClosed(plainOut)) {
                    complete(plainOut);
                }
            } else if (handshake.isComplete() && !hasBeenPulled(wireIn) && !isClosed(wireIn)) {
                pull(wireIn);
            }
        }
    }
}
