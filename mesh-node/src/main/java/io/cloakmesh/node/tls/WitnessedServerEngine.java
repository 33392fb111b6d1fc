package io.cloakmesh.node.tls;

import io.cloakmesh.crypto.tls.ClientHello;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.function.Consumer;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;

/**
 * A server engine that reports, by the handshake's client random, when a peer has completed the
 * handshake, its certificate accepted. Artery runs the engine and tells nobody; the cluster port's gate
 * needs to know which of its connections authenticated, and the client random is what both can see.
 */
final class WitnessedServerEngine extends ForwardingEngine {
    private final Consumer<String> completed;
    private Optional<String> random = Optional.empty();
    private boolean reported;

    WitnessedServerEngine(SSLEngine engine, Consumer<String> completed) {
        super(engine);
        this.completed = completed;
    }

    @Override
    public SSLEngineResult unwrap(ByteBuffer src, ByteBuffer[] dsts, int offset, int length) throws SSLException {
        if (random.isEmpty()) {
            try {
                random = ClientHello.random(src);
            } catch (ClientHello.NotClientHelloException e) {
                // The engine itself refuses these bytes; nothing to witness.
                reported = true;
            }
        }
        return witness(delegate.unwrap(src, dsts, offset, length));
    }

    @Override
    public SSLEngineResult wrap(ByteBuffer[] srcs, int offset, int length, ByteBuffer dst) throws SSLException {
        return witness(delegate.wrap(srcs, offset, length, dst));
    }

    private SSLEngineResult witness(SSLEngineResult result) {
        if (result.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.FINISHED && !reported && random.isPresent()) {
            reported = true;
            completed.accept(random.get());
        }
        return result;
    }
}
