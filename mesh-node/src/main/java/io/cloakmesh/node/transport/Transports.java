package io.cloakmesh.node.transport;

import io.netty.channel.EventLoopGroup;
import org.apache.pekko.actor.AbstractExtensionId;
import org.apache.pekko.actor.ClassicActorSystemProvider;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.Extension;
import org.apache.pekko.actor.ExtensionIdProvider;

/**
 * The one {@link Transport} of an actor system, chosen by {@code cloakmesh.transport} in its config
 * ({@code netty} or {@code pekko-io}); the Netty loops (one per core with {@code netty}) stop with the system.
 */
public final class Transports implements Extension {
    public static final String SETTING = "cloakmesh.transport";

    private final ExtendedActorSystem system;
    private final Transport transport;
    private EventLoops loops;

    private Transports(ExtendedActorSystem system) {
        this.system = system;
        String name = system.settings().config().getString(SETTING);
        TransportKind kind = TransportKind.parse(name).orElseThrow(() -> new IllegalArgumentException(
                SETTING + " = " + name + ": must be netty or pekko-io"));
        if (kind == TransportKind.NETTY) {
            transport = new NettyTransport(system, loops(Runtime.getRuntime().availableProcessors()));
        } else {
            transport = new PekkoIoTransport(system);
        }
    }

    /**
     * The system's Netty event loops, for the one socket that is not a stream (the cluster port's gate):
     * the transport's own with {@code netty}, one loop of their own with {@code pekko-io}.
     */
    public static EventLoopGroup eventLoops(ClassicActorSystemProvider system) {
        return Id.INSTANCE.get(system.classicSystem()).loops(1).group();
    }

    private synchronized EventLoops loops(int threads) {
        if (loops == null) {
            loops = EventLoops.start(system, threads);
            system.registerOnTermination(loops::close);
        }
        return loops;
    }

    /** The system's transport, started on first use. */
    public static Transport of(ClassicActorSystemProvider system) {
        return Id.INSTANCE.get(system.classicSystem()).transport;
    }

    private static final class Id extends AbstractExtensionId<Transports> implements ExtensionIdProvider {
        static final Id INSTANCE = new Id();

        @Override
        public Transports createExtension(ExtendedActorSystem system) {
            return new Transports(system);
        }

        @Override
        public Id lookup() {
            return INSTANCE;
        }
    }
}
