package io.cloakmesh.node.tls;

import java.nio.ByteBuffer;
import java.util.function.Consumer;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;

/**
 * An engine that tells why its handshake failed: Pekko Streams' TLS stage ends a connection whose
 * handshake failed without passing the reason on, and an operator must be told (another CA, an expired
 * certificate, a protocol the other side does not speak).
 */
final class ReportingEngine extends ForwardingEngine {
    private final Consumer<SSLException> failed;

    ReportingEngine(SSLEngine engine, Consumer<SSLException> failed) {
        super(engine);
        this.failed = failed;
    }

    @Override
    public SSLEngineResult unwrap(ByteBuffer src, ByteBuffer[] dsts, int offset, int length) throws SSLException {
        try {
            return delegate.unwrap(src, dsts, offset, length);
        } catch (SSLException e) {
            failed.accept(e);
            throw e;
        }
    }

    @Override
    public SSLEngineResult wrap(ByteBuffer[] srcs, int offset, int length, ByteBuffer dst) throws SSLException {
        try {
            return delegate.wrap(srcs, offset, length, dst);
        } catch (SSLException e) {
            failed.accept(e);
            throw e;
        }
    }
}
