package io.cloakmesh.node.tls;

import java.util.function.Consumer;
import java.util.function.Supplier;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.TLSClosing;
import org.apache.pekko.stream.TLSProtocol;
import org.apache.pekko.stream.javadsl.BidiFlow;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.TLS;
import org.apache.pekko.util.ByteString;

/**
 * TLS on a data-plane connection (a client of an import, an export's Redis) as a stage of its stack:
 * application bytes on the left, network bytes on the right, like the pipe's stage. Each connection's
 * engine comes from the material in force when it opens ({@link ReloadingTls}), so a rotated certificate
 * serves new connections while open ones keep their session.
 */
public final class TlsStage {
    private TlsStage() {
    }

    /** The server side: what a client of a TLS import talks to. */
    public static BidiFlow<ByteString, ByteString, ByteString, ByteString, NotUsed> server(ReloadingTls tls) {
        return of(() -> tls.current().serverEngine(), session -> { });
    }

    /** The client side, to {@code host:port} (which names the session for resumption). */
    public static BidiFlow<ByteString, ByteString, ByteString, ByteString, NotUsed> client(ReloadingTls tls, String host,
            int port) {
        return of(() -> tls.current().clientEngine(host, port), session -> { });
    }

    /**
     * TLS with each connection's engine from {@code engine}; {@code verify} sees the session once the
     * handshake is done and fails the connection by throwing; {@code failed} is told why a handshake
     * failed (the stage itself only ends the connection).
     */
    public static BidiFlow<ByteString, ByteString, ByteString, ByteString, NotUsed> of(Supplier<SSLEngine> engine,
            Consumer<SSLSession> verify, Consumer<SSLException> failed) {
        return of(() -> new ReportingEngine(engine.get(), failed), verify);
    }

    private static BidiFlow<ByteString, ByteString, ByteString, ByteString, NotUsed> of(Supplier<SSLEngine> engine,
            Consumer<SSLSession> verify) {
        BidiFlow<ByteString, TLSProtocol.SslTlsOutbound, TLSProtocol.SslTlsInbound, ByteString, NotUsed> plain =
                BidiFlow.fromFlows(
                        Flow.of(ByteString.class).map(bytes -> (TLSProtocol.SslTlsOutbound) new TLSProtocol.SendBytes(bytes)),
                        Flow.of(TLSProtocol.SslTlsInbound.class)
                                .filter(in -> in instanceof TLSProtocol.SessionBytes)
                                .map(in -> ((TLSProtocol.SessionBytes) in).bytes()));
        // Either side's end ends the session as a plain TCP connection's would.
        return plain.atop(TLS.create(engine, verify, TLSClosing.eagerClose()));
    }
}
