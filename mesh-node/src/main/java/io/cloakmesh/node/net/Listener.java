package io.cloakmesh.node.net;

import io.cloakmesh.node.logging.LogRateLimit;
import io.cloakmesh.node.transport.SocketOptions;
import io.cloakmesh.node.transport.Transport;
import io.cloakmesh.node.transport.Transports;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.ClassicActorSystemProvider;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bound TCP listener for a tunnel: half-close on, a bounded number of connections at once, each
 * handed to a {@link Handler}; it counts open connections so shutdown can wait for the last one.
 */
public final class Listener {
    private static final Logger LOG = LoggerFactory.getLogger(Listener.class);
    /**
     * Listen backlog; clients beyond the connection limit wait here. spiped uses 10, which on loopback
     * overflows under a burst of connects and costs each overflowing client a 1-second SYN retransmit.
     */
    private static final int BACKLOG = 128;

    /** Serves one accepted connection. */
    public interface Handler {
        void serve(Transport.Incoming connection, Slot slot);
    }

    /** A connection's place under the listener's limit. */
    public interface Slot {
        /** Takes the connection's place under the limit, completing once it has one (idempotent). */
        CompletionStage<Done> place();

        /** Must be called once the connection has ended. */
        void closed();
    }

    /** When a connection starts to count toward the limit. */
    public enum Counting {
        /** As soon as it is accepted. */
        FROM_ACCEPT,
        /** Once the handler asks for {@link Slot#place()}, after the peer authenticated. */
        FROM_AUTHENTICATION
    }

    private final OpenConnections open = new OpenConnections();
    private volatile Transport.Binding binding;

    private Listener() {
    }

    /**
     * Binds {@code host:port} and serves at most {@code maxConnections} (0 = no limit) that count at a
     * time; fails if it cannot bind. {@code what} names the listener in the log (empty: spiped's wording).
     */
    public static CompletionStage<Listener> bind(ClassicActorSystemProvider system, String what, String host, int port,
            SocketOptions options, int maxConnections, Counting counting, Runnable descriptorsLow,
            Handler handler) {
        Listener listener = new Listener();
        return Transports.of(system)
                .bind(host, port, BACKLOG, options)
                .via(new ConnectionLimit<>(maxConnections, logging(what, descriptorsLow)))
                .toMat(Sink.foreach(admitted -> {
                    Runnable closed = listener.open.opened();
                    if (counting == Counting.FROM_ACCEPT) {
                        admitted.place().take();
                    }
                    handler.serve(admitted.connection(), new Slot() {
                        @Override
                        public CompletionStage<Done> place() {
                            return admitted.place().take();
                        }

                        @Override
                        public void closed() {
                            admitted.release().run();
                            closed.run();
                        }
                    });
                }), Keep.left())
                .run(system)
                .thenApply(b -> {
                    listener.binding = b;
                    return listener;
                });
    }

    /**
     * Logs what stops a listener named {@code what} ("" = spiped's wording) from accepting: its limit, or
     * the process's descriptors (then also tells {@code descriptorsLow}; those lines are rate-limited).
     */
    public static ConnectionLimit.LimitListener logging(String what, Runnable descriptorsLow) {
        LogRateLimit throttle = new LogRateLimit(Duration.ofSeconds(10));
        return new ConnectionLimit.LimitListener() {
            @Override
            public void limitReached(int max) {
                LOG.warn("{}aximum number of connections ({}) reached", what.isEmpty() ? "M" : what + ": m", max);
            }

            @Override
            public void descriptorsLow(long pauseMillis) {
                descriptorsLow.run();
                throttle.occurred(skipped -> LOG.warn("{}: {}; not accepting for {} ms{}", what.isEmpty() ? "pipe" : what,
                        DescriptorHeadroom.describe(), pauseMillis,
                        skipped > 0 ? " (" + skipped + " more pauses since the last line)" : ""));
            }
        };
    }

    public InetSocketAddress localAddress() {
        return binding.localAddress();
    }

    public int openConnections() {
        return open.count();
    }

    /** Stops accepting; open connections carry on. */
    public CompletionStage<Done> unbind() {
        open.closing();
        return binding.unbind();
    }

    /** Completes once {@link #unbind()} was called and the last connection has ended. */
    public CompletionStage<Done> whenIdle() {
        return open.whenIdle();
    }
}
