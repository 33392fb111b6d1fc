package io.cloakmesh.node.tls;

import java.nio.ByteBuffer;
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
 */
final class TlsEngineStage extends GraphStage<BidiShape<ByteString, ByteString, ByteString, ByteString>> {
    /** Bytes of plaintext encrypted, or decrypted, before they are passed on. */
    private static final int CHUNK = 64 * 1024;
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);
    /** Plaintext from which records are encrypted into an array of their own rather than copied out of a reused one. */
    private static final int BULK = 8 * 1024;
    /** TLS's largest plaintext per record, and a bound on what a record adds to it (header, tag, type, padding). */
    private static final int MAX_FRAGMENT = 16 * 1024;
    private static final int RECORD_OVERHEAD = 512;
    private static final int RECORD_HEADER = 5;

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

    @Override
    public GraphStageLogic createLogic(Attributes inheritedAttributes) {
        return new GraphStageLogic(shape) {
            private SSLEngine engine;
            private ByteBuffer netBuffer;
            /**
             * Ciphertext received and not yet decrypted (at most one partial record and one element), ready to
             * be read: writable, since the engine decrypts in place.
             */
            private ByteBuffer fromNetwork;
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
                        received(grab(cipherIn));
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
                netBuffer = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
                fromNetwork = ByteBuffer.allocate(netBuffer.capacity()).flip();
                try {
                    engine.beginHandshake();
                } catch (SSLException e) {
                    fail(e);
                    return;
                }
                drive();
            }

            /** Appends {@code bytes} to what is left of the network's input, in a buffer no larger than both need. */
            private void received(ByteString bytes) {
                int pending = fromNetwork.remaining();
                int needed = Math.max(pending + bytes.size(), netBuffer.capacity());
                if (fromNetwork.capacity() < needed || fromNetwork.capacity() > 4 * needed) {
                    ByteBuffer resized = ByteBuffer.allocate(needed);
                    resized.put(fromNetwork);
                    fromNetwork = resized;
                } else {
                    fromNetwork.compact();
                }
                bytes.copyToBuffer(fromNetwork);
                fromNetwork.flip();
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
                ByteString out = ByteString.emptyByteString();
                boolean progress = false;
                // One view of the application's bytes for all records of this step: a ByteString of several
                // parts is copied whole each time it is made a buffer.
                ByteBuffer source = fromApplication.isEmpty() ? EMPTY : fromApplication.asByteBuffer();
                ByteBuffer sink = sinkFor(source.remaining());
                int consumed = 0;
                while (true) {
                    SSLEngineResult result = engine.wrap(source, sink);
                    if (result.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                        // The engine wants room for a whole record of the largest size: what is written goes on,
                        // and only a buffer too small even when empty grows.
                        if (sink.position() == 0) {
                            netBuffer = ByteBuffer.allocate(Math.max(netBuffer.capacity() * 2,
                                    engine.getSession().getPacketBufferSize()));
                        }
                        out = out.concat(handOver(sink));
                        sink = sinkFor(source.remaining());
                        continue;
                    }
                    consumed += result.bytesConsumed();
                    if (result.bytesConsumed() == 0 && result.bytesProduced() == 0) {
                        break;
                    }
                    progress = true;
                    SSLEngineResult.HandshakeStatus next = result.getHandshakeStatus();
                    boolean more = next == SSLEngineResult.HandshakeStatus.NEED_WRAP
                            || next == SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING && source.hasRemaining()
                            && out.size() + sink.position() < CHUNK;
                    if (!more || result.getStatus() == SSLEngineResult.Status.CLOSED) {
                        break;
                    }
                }
                out = out.concat(handOver(sink));
                fromApplication = fromApplication.drop(consumed);
                toNetwork = toNetwork.concat(out);
                return progress;
            }

            /**
             * Where the next records go: for a few records' worth of plaintext, an array of their size that is
             * handed on as it is; for less, the reused record buffer, copied out (the engine wants room for a
             * record of the largest size each time, far more than a short message needs).
             */
            private ByteBuffer sinkFor(int plaintext) {
                netBuffer.clear();
                if (plaintext < BULK) {
                    return netBuffer;
                }
                int records = (Math.min(plaintext, CHUNK) + MAX_FRAGMENT - 1) / MAX_FRAGMENT;
                return ByteBuffer.allocate((records - 1) * (MAX_FRAGMENT + RECORD_OVERHEAD) + netBuffer.capacity());
            }

            /** The bytes written to {@code sink}, as an element: its own array when it is not the reused buffer. */
            private ByteString handOver(ByteBuffer sink) {
                if (sink.position() == 0) {
                    return ByteString.emptyByteString();
                }
                if (sink == netBuffer) {
                    sink.flip();
                    return ByteString.fromByteBuffer(sink);
                }
                return ByteString.fromArrayUnsafe(sink.array(), 0, sink.position());
            }

            /**
             * Decrypts the records received (up to one chunk of plaintext, while the application has taken
             * the last); asks the network for more when a record is incomplete.
             */
            private boolean unwrapOrRead() throws SSLException {
                boolean progress = false;
                boolean needMore = !fromNetwork.hasRemaining();
                // Decrypted straight into the array handed on, one per step: the whole records received bound
                // their plaintext. The engine checks the room before it checks that a record is whole, so an
                // incomplete record is left to the network first once the session is up.
                ByteBuffer plain = EMPTY;
                int least = 0;
                while (!needMore && toApplication.size() + plain.position() < CHUNK && !engine.isInboundDone()) {
                    if (!plain.hasRemaining()) {
                        keep(plain);
                        int whole = wholeRecords();
                        if (whole == 0 && verified) {
                            needMore = true;
                            break;
                        }
                        plain = ByteBuffer.allocate(Math.max(least, Math.min(whole == 0 ? fromNetwork.remaining() : whole, CHUNK)));
                    }
                    SSLEngineResult result = engine.unwrap(fromNetwork, plain);
                    switch (result.getStatus()) {
                        case BUFFER_UNDERFLOW -> needMore = true;
                        case BUFFER_OVERFLOW -> {
                            least = plain.position() > 0 ? least
                                    : Math.max(least * 2, engine.getSession().getApplicationBufferSize());
                            keep(plain);
                            plain = EMPTY;
                        }
                        default -> {
                            if (result.bytesConsumed() == 0 && result.bytesProduced() == 0) {
                                needMore = true;
                                break;
                            }
                            progress = true;
                            needMore = !fromNetwork.hasRemaining();
                            if (!verified || result.getHandshakeStatus() != SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING
                                    && result.getHandshakeStatus() != SSLEngineResult.HandshakeStatus.NEED_UNWRAP) {
                                keep(plain);
                                return true;  // the handshake's next step (a task, an answer, the verification) first
                            }
                        }
                    }
                }
                keep(plain);
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

            /** Passes on what was decrypted into {@code plain}, its array as it is. */
            private void keep(ByteBuffer plain) {
                if (plain.position() > 0) {
                    toApplication = toApplication.concat(ByteString.fromArrayUnsafe(plain.array(), 0, plain.position()));
                }
            }

            /** Bytes of the whole TLS records at the start of what was received (each a 5-byte header and its length). */
            private int wholeRecords() {
                int at = fromNetwork.position();
                int end = fromNetwork.limit();
                while (end - at >= RECORD_HEADER) {
                    int length = RECORD_HEADER + ((fromNetwork.get(at + 3) & 0xff) << 8 | fromNetwork.get(at + 4) & 0xff);
                    if (end - at < length) {
                        break;
                    }
                    at += length;
                }
                return at - fromNetwork.position();
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
                    netBuffer.clear();
                    engine.wrap(EMPTY, netBuffer);
                    netBuffer.flip();
                    alert = ByteString.fromByteBuffer(netBuffer);
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
