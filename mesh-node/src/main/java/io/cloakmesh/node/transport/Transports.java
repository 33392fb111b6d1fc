package io.cloakmesh.node.transport;

import org.apache.pekko.actor.AbstractExtensionId;
import org.apache.pekko.actor.ClassicActorSystemProvider;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.Extension;
import org.apache.pekko.actor.ExtensionIdProvider;

/**
 * The one {@link Transport} of an actor system, chosen by {@code cloakmesh.transport} in its config
 * ({@code netty} or {@code pekko-io}); the Netty loops, one per core, stop with the system.
 */
public final class Transports implements Extension {
    public static final String SETTING = "cloakmesh.transport";

    private final Transport transport;

    private Transports(ExtendedActorSystem system) {
        String name = system.settings().config().getString(SETTING);
        TransportKind kind = TransportKind.parse(name).orElseThrow(() -> new IllegalArgumentException(
                SETTING + " = " + name + ": must be netty or pekko-io"));
        if (kind == TransportKind.NETTY) {
            EventLoops loops = EventLoops.start(system, Runtime.getRuntime().availableProcessors());
            system.registerOnTermination(loops::close);
            transport = new NettyTransport(system, loops);
        } else {
            transport = new PekkoIoTransport(system);
        }
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
