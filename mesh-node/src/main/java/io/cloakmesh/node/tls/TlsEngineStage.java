package io.cloakmesh.node.tls;

import io.netty.util.concurrent.FastThreadLocal;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.function.Consumer;
import java.util.function.Supplier;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.BidiShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.util.ByteString;

/**
 * One TLS session driven by an {@link SSLEngine} inside the stream, with the connection's half-closes
 * kept: the application's end of output becomes a {@code close_notify} and the end of the network
 * output, while the other direction carries on; the peer's {@code close_notify} ends the application's
 * input only (TLS 1.3 allows both; under TLS 1.2 the engine answers a {@code close_notify} with its own,
 * which ends both). Pekko's own TLS stage ends the whole session on either, losing a reply still on its
 * way to a client that shut its output. Plaintext on the left (in from the application, out to it),
 * ciphertext on the right.
 *
 * <p>Bounded: the network is read only when the engine needs more to make progress and what it
 * decrypted has been taken, the application only when what it encrypted has been sent; each step
 * handles at most {@link #CHUNK} bytes of either.
 *
 * <p>Few copies, no zeroed arrays on the bulk path: the engine encrypts and decrypts into a buffer
 * reused by every connection of the thread, and each step's output leaves as one array copied from it
 * (which the JIT fills without zeroing it first); ciphertext is decrypted where the transport's read put
 * it, so only a record cut by a read is copied, to be made whole.
 */
final class TlsEngineStage extends GraphStage<BidiShape<ByteString, ByteString, ByteString, ByteString>> {
    /** Bytes of plaintext encrypted, or decrypted, before they are passed on. */
    private static final int CHUNK = 64 * 1024;
    /** Nothing, read only (shared). */
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0).asReadOnlyBuffer();
    private static final int RECORD_HEADER = 5;
    /**
     * Where the engine writes, one per thread: a step's output is copied out before the step ends, so the
     * connections a thread runs take turns. Room for a chunk and one record of the largest size, since
     * the engine wants that much free for each record it makes or opens. Netty's thread-local: on the
     * transport's loops an array index, where the JDK's hash lookup cost 2 % of a TLS link's CPU per GET.
     */
    private static final FastThreadLocal<ByteBuffer[]> SCRATCH = new FastThreadLocal<>() {
        @Override
        protected ByteBuffer[] initialValue() {
            return new ByteBuffer[1];
        }
    };

    private final Inlet<ByteString> plainIn = Inlet.create("TlsEngine.plainIn");
    private final Outlet<ByteString> cipherOut = Outlet.create("TlsEngine.cipherOut");
    private final Inlet<ByteString> cipherIn = Inlet.create("TlsEngine.cipherIn");
    private final Outlet<ByteString> plainOut = Outlet.create("TlsEngine.plainOut");
    private final BidiShape<ByteString, ByteString, ByteString, ByteString> shape =
            BidiShape.of(plainIn, cipherOut, cipherIn, plainOut);
    private final Supplier<SSLEngine> engines;
    private final Consumer<SSLSession> verify;
    private final Consumer<SSLException> failed;

    /**
     * @param engines a new engine, in client or server mode, per materialization
     * @param verify sees the session once the handshake is done; throwing fails the connection
     * @param failed told why the engine failed (a refused certificate, a protocol the peer does not speak)
     */
    TlsEngineStage(Supplier<SSLEngine> engines, Consumer<SSLSession> verify, Consumer<SSLException> failed) {
        this.engines = engines;
        this.verify = verify;
        this.failed = failed;
    }

    @Override
    public BidiShape<ByteString, ByteString, ByteString, ByteString> shape() {
        return shape;
    }

    /** This thread's scratch buffer, cleared, with room for a chunk and a record of {@code recordSize} bytes. */
    private static ByteBuffer scratch(int recordSize) {
        ByteBuffer[] holder = SCRATCH.get();
        if (holder[0] == null || holder[0].capacity() < CHUNK + recordSize) {
            holder[0] = ByteBuffer.allocate(CHUNK + recordSize);
        }
        return holder[0].clear();
    }

    /** The bytes of a whole TLS record whose header's length field is {@code high}, {@code low}. */
    private static int recordLength(byte high, byte low) {
        return RECORD_HEADER + ((high & 0xff) << 8 | low & 0xff);
    }

    /** What the engine wrote to {@code scratch}, as an element of its own. */
    private static ByteString copyOut(ByteBuffer scratch) {
        return scratch.position() == 0 ? ByteString.emptyByteString()
                : ByteString.fromArrayUnsafe(Arrays.copyOf(scratch.array(), scratch.position()));
    }

    @Override
    public GraphStageLogic createLogic(Attributes inheritedAttributes) {
        return new GraphStageLogic(shape) {
            private SSLEngine engine;
            /**
             * Ciphertext received and not yet decrypted, ready to be read: the array of the element it came in
             * (the stage owns what the transport hands it, and the engine decrypts in place), or the start of
             * that element copied after a record an earlier one cut short.
             */
            private ByteBuffer fromNetwork = EMPTY;
            /** Ciphertext received after the record made whole in {@link #fromNetwork}, read once that is done. */
            private ByteBuffer nextFromNetwork = EMPTY;
            /** Plaintext decrypted and not yet taken by the application. */
            private ByteString toApplication = ByteString.emptyByteString();
            /** Plaintext from the application not yet encrypted. */
            private ByteString fromApplication = ByteString.emptyByteString();
            /** Ciphertext encrypted and not yet sent. */
            private ByteString toNetwork = ByteString.emptyByteString();
            private boolean verified;
            private boolean applicationDone;
            private boolean networkDone;
            private boolean closingOutbound;

            {
                setHandler(plainIn, new AbstractInHandler() {
                    @Override
                    public void onPush() {
                        fromApplication = grab(plainIn);
                        drive();
                    }

                    @Override
                    public void onUpstreamFinish() {
                        applicationDone = true;
                        drive();
                    }
                });
                setHandler(cipherIn, new AbstractInHandler() {
                    @Override
                    public void onPush() {
                        received(ByteBuffer.wrap(grab(cipherIn).toArrayUnsafe()));
                        drive();
                    }

                    @Override
                    public void onUpstreamFinish() {
                        networkDone = true;
                        drive();
                    }
                });
                setHandler(cipherOut, new AbstractOutHandler() {
                    @Override
                    public void onPull() {
                        drive();
                    }

                    @Override
                    public void onDownstreamFinish(Throwable cause) {
                        // The network takes nothing more: nothing the application sends can arrive.
                        cancel(plainIn);
                        engine.closeOutbound();
                        drive();
                    }
                });
                setHandler(plainOut, new AbstractOutHandler() {
                    @Override
                    public void onPull() {
                        drive();
                    }

                    @Override
                    public void onDownstreamFinish(Throwable cause) {
                        cancel(cipherIn);
                        drive();
                    }
                });
            }

            @Override
            public void preStart() {
                engine = engines.get();
                try {
                    engine.beginHandshake();
                } catch (SSLException e) {
                    fail(e);
                    return;
                }
                drive();
            }

            /**
             * Takes {@code bytes} as what is read next. When a record begun earlier is still incomplete, only the
             * bytes that complete it are copied to it; the rest waits in {@link #nextFromNetwork} until it is done.
             */
            private void received(ByteBuffer bytes) {
                int pending = fromNetwork.remaining();
                if (pending == 0) {
                    fromNetwork = bytes;
                    return;
                }
                if (!verified) {
                    // Handshake messages are few and short, and until the peer is known its bytes are not trusted to be records.
                    fromNetwork = ByteBuffer.allocate(pending + bytes.remaining()).put(fromNetwork).put(bytes).flip();
                    return;
                }
                int record = pending + bytes.remaining() < RECORD_HEADER ? pending + bytes.remaining()
                        : recordLength(byteAt(3, bytes), byteAt(4, bytes));
                int take = Math.max(0, Math.min(bytes.remaining(), record - pending));
                ByteBuffer whole = ByteBuffer.allocate(pending + take);
                whole.put(fromNetwork).put(bytes.slice().limit(take)).flip();
                fromNetwork = whole;
                nextFromNetwork = bytes.position(bytes.position() + take);
            }

            /** Makes every step the engine and the four ports allow now. */
            private void drive() {
                try {
                    boolean progress = true;
                    while (progress && !(isClosed(cipherOut) && isClosed(plainOut))) {
                        progress = flush() | step();
                    }
                    finishIfDone();
                } catch (SSLException e) {
                    fail(e);
                } catch (RuntimeException e) {
                    failStage(e);
                }
            }

            private boolean flush() {
                boolean progress = false;
                if (!toNetwork.isEmpty() && isAvailable(cipherOut)) {
                    push(cipherOut, toNetwork);
                    toNetwork = ByteString.emptyByteString();
                    progress = true;
                }
                // Nothing reaches the application before the session is verified.
                if (verified && !toApplication.isEmpty() && isAvailable(plainOut)) {
                    push(plainOut, toApplication);
                    toApplication = ByteString.emptyByteString();
                    progress = true;
                }
                return progress;
            }

            private boolean step() throws SSLException {
                if (applicationDone && fromApplication.isEmpty() && !closingOutbound) {
                    closingOutbound = true;
                    engine.closeOutbound();
                }
                SSLEngineResult.HandshakeStatus status = engine.getHandshakeStatus();
                switch (status) {
                    case NEED_TASK -> {
                        for (Runnable task = engine.getDelegatedTask(); task != null; task = engine.getDelegatedTask()) {
                            task.run();
                        }
                        return true;
                    }
                    case NEED_WRAP -> {
                        if (isClosed(cipherOut)) {
                            return unwrapOrRead();  // what the engine wants to send can no longer go out
                        }
                        return toNetwork.isEmpty() && wrap();
                    }
                    case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                        return unwrapOrRead();
                    }
                    default -> {
                        if (!verified) {
                            verified = true;
                            verify.accept(engine.getSession());
                        }
                        boolean progress = false;
                        if (!fromApplication.isEmpty() && toNetwork.isEmpty() && !engine.isOutboundDone()) {
                            progress = wrap();
                        }
                        if (fromApplication.isEmpty() && !applicationDone && !isClosed(plainIn) && !hasBeenPulled(plainIn)
                                && toNetwork.isEmpty() && !isClosed(cipherOut)) {
                            pull(plainIn);
                        }
                        return unwrapOrRead() | progress;
                    }
                }
            }

            /** Encrypts what the application sent (or the handshake's or closing messages), up to one chunk. */
            private boolean wrap() throws SSLException {
                // One view of the application's bytes for all records of this step: a ByteString of several
                // parts is copied whole each time it is made a buffer.
                ByteBuffer source = fromApplication.isEmpty() ? EMPTY : fromApplication.asByteBuffer();
                int recordSize = engine.getSession().getPacketBufferSize();
                ByteBuffer sink = scratch(recordSize);
                int consumed = 0;
                boolean progress = false;
                while (sink.remaining() >= recordSize) {
                    SSLEngineResult result = engine.wrap(source, sink);
                    if (result.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                        if (sink.position() == 0) {
                            throw new SSLException("the engine wants more than " + sink.capacity() + " bytes for a record");
                        }
                        break;
                    }
                    consumed += result.bytesConsumed();
                    if (result.bytesConsumed() == 0 && result.bytesProduced() == 0) {
                        break;
                    }
                    progress = true;
                    SSLEngineResult.HandshakeStatus next = result.getHandshakeStatus();
                    boolean more = next == SSLEngineResult.HandshakeStatus.NEED_WRAP
                            || next == SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING && source.hasRemaining()
                            && consumed < CHUNK;
                    if (!more || result.getStatus() == SSLEngineResult.Status.CLOSED) {
                        break;
                    }
                }
                fromApplication = fromApplication.drop(consumed);
                toNetwork = toNetwork.concat(copyOut(sink));
                return progress;
            }

            /**
             * Decrypts the records received (up to one chunk of plaintext, while the application has taken
             * the last); asks the network for more when a record is incomplete.
             */
            private boolean unwrapOrRead() throws SSLException {
                boolean progress = false;
                boolean handshakeStep = false;
                boolean needMore = false;
                ByteBuffer plain = scratch(engine.getSession().getApplicationBufferSize());
                while (toApplication.size() + plain.position() < CHUNK && !engine.isInboundDone()) {
                    // Once the session is up, an incomplete record is left to the network before the engine sees
                    // it (the engine checks the room before it checks that a record is whole); before, the engine
                    // judges what arrived, garbage included.
                    if (!fromNetwork.hasRemaining() || verified && incompleteRecord()) {
                        if (!nextFromNetwork.hasRemaining()) {
                            needMore = true;
                            break;
                        }
                        ByteBuffer next = nextFromNetwork;
                        nextFromNetwork = EMPTY;
                        received(next);
                        continue;
                    }
                    SSLEngineResult result = engine.unwrap(fromNetwork, plain);
                    if (result.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                        throw new SSLException("the engine wants more than " + plain.remaining() + " bytes for a record");
                    }
                    if (result.bytesConsumed() == 0 && result.bytesProduced() == 0) {
                        needMore = true;
                        break;
                    }
                    progress = true;
                    if (!verified || result.getHandshakeStatus() != SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING
                            && result.getHandshakeStatus() != SSLEngineResult.HandshakeStatus.NEED_UNWRAP) {
                        handshakeStep = true;  // the handshake's next step (a task, an answer, the verification) first
                        break;
                    }
                }
                if (plain.position() > 0) {
                    toApplication = toApplication.concat(copyOut(plain));
                }
                if (handshakeStep) {
                    return true;
                }
                if (needMore && !engine.isInboundDone() && toApplication.isEmpty()) {
                    if (networkDone) {
                        // The peer's TCP ended without a close_notify: the end of its stream all the same.
                        try {
                            engine.closeInbound();
                        } catch (SSLException truncated) {
                            // Many clients close without close_notify; what arrived whole has been passed on.
                        }
                        return true;
                    }
                    if (!isClosed(cipherIn) && !hasBeenPulled(cipherIn)) {
                        pull(cipherIn);
                    }
                }
                return progress;
            }

            /** Byte {@code i} of what is received, continued by {@code next}. */
            private byte byteAt(int i, ByteBuffer next) {
                int pending = fromNetwork.remaining();
                return i < pending ? fromNetwork.get(fromNetwork.position() + i) : next.get(next.position() + i - pending);
            }

            /** Whether what was received starts with a record not yet whole (each is a 5-byte header and its length). */
            private boolean incompleteRecord() {
                int at = fromNetwork.position();
                int available = fromNetwork.remaining();
                return available < RECORD_HEADER || available < recordLength(fromNetwork.get(at + 3), fromNetwork.get(at + 4));
            }

            /** Ends each direction once the engine has closed it and its last bytes are out. */
            private void finishIfDone() {
                if (engine.isInboundDone() && toApplication.isEmpty() && !isClosed(plainOut)) {
                    complete(plainOut);
                    cancel(cipherIn);
                }
                if (engine.isOutboundDone() && toNetwork.isEmpty() && !isClosed(cipherOut)) {
                    complete(cipherOut);
                    cancel(plainIn);
                }
                if (isClosed(plainOut) && isClosed(cipherOut)) {
                    completeStage();
                }
            }

            /** Sends the engine's alert, if it has one, and fails the session. */
            private void fail(SSLException e) {
                failed.accept(e);
                ByteString alert = ByteString.emptyByteString();
                try {
                    ByteBuffer sink = scratch(engine.getSession().getPacketBufferSize());
                    engine.wrap(EMPTY, sink);
                    alert = copyOut(sink);
                } catch (SSLException | RuntimeException ignored) {
                    // No alert to send: fail at once.
                }
                if (!alert.isEmpty() && !isClosed(cipherOut)) {
                    emit(cipherOut, toNetwork.concat(alert), () -> failStage(e));
                } else {
                    failStage(e);
                }
            }
        };
    }
}
