package io.cloakmesh.node.tls;

import java.util.function.Consumer;
import java.util.function.Supplier;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.BidiFlow;
import org.apache.pekko.util.ByteString;

/**
 * TLS on a data-plane connection (a client of an import, an export's Redis, a link in tls mode) as a
 * stage of its stack: application bytes on the left, network bytes on the right, like the pipe's stage.
 * Each connection's engine comes from the material in force when it opens ({@link ReloadingTls}), so a
 * rotated certificate serves new connections while open ones keep their session. Half-closes pass
 * through ({@link TlsEngineStage}).
 */
public final class TlsStage {
    private TlsStage() {
    }

    /** The client side, to {@code host:port} (which names the session for resumption). */
    public static BidiFlow<ByteString, ByteString, ByteString, ByteString, NotUsed> client(ReloadingTls tls, String host,
            int port) {
        return of(() -> tls.current().clientEngine(host, port), session -> { }, failure -> { });
    }

    /**
     * TLS with each connection's engine from {@code engine}; {@code verify} sees the session once the
     * handshake is done and fails the connection by throwing; {@code failed} is told why the engine failed
     * (another CA, an expired certificate, a protocol the other side does not speak).
     */
    public static BidiFlow<ByteString, ByteString, ByteString, ByteString, NotUsed> of(Supplier<SSLEngine> engine,
            Consumer<SSLSession> verify, Consumer<SSLException> failed) {
        return BidiFlow.fromGraph(new TlsEngineStage(engine, verify, failed));
    }
}
