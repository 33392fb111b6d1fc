package io.cloakmesh.node.transport;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.dispatch.DispatcherConfigurator;

/**
 * The Netty NIO event loops of one actor system, each also a Pekko dispatcher: a connection's stream
 * materialized with {@link #dispatcherOf its loop's dispatcher} runs its stages on the thread that reads
 * and writes its sockets, so bytes go read → stages → write with no hand-off between threads.
 */
public final class EventLoops implements AutoCloseable {
    /** Groups by id, for {@link LoopExecutorConfigurator}, which Pekko builds by reflection from config. */
    private static final Map<String, EventLoops> REGISTERED = new ConcurrentHashMap<>();

    private final String id = UUID.randomUUID().toString();
    private final EventLoopGroup group;
    private final List<EventLoop> loops = new ArrayList<>();
    private final Map<EventExecutor, String> dispatchers = new IdentityHashMap<>();
    /** Name resolution blocks: it never runs on a loop. */
    private final ExecutorService resolver = Executors.newCachedThreadPool(new DefaultThreadFactory("cloakmesh-resolver", true));

    private EventLoops(int threads) {
        group = new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory("cloakmesh-loop", true), NioIoHandler.newFactory());
        for (EventExecutor executor : group) {
            loops.add((EventLoop) executor);
        }
    }

    /** Starts {@code threads} loops and registers a dispatcher for each with {@code system}. */
    public static EventLoops start(ActorSystem system, int threads) {
        EventLoops eventLoops = new EventLoops(threads);
        REGISTERED.put(eventLoops.id, eventLoops);
        Config defaults = system.settings().config().getConfig("pekko.actor.default-dispatcher");
        for (int i = 0; i < eventLoops.loops.size(); i++) {
            String dispatcher = "cloakmesh-loop-" + eventLoops.id + "-" + i;
            Config config = ConfigFactory.parseMap(Map.of("id", dispatcher,
                            "executor", LoopExecutorConfigurator.class.getName(),
                            "loop-group", eventLoops.id, "loop-index", i,
                            // Each connection is its own actor: let one run a whole read's work before yielding.
                            "throughput", 64))
                    .withFallback(defaults);
            system.dispatchers().registerConfigurator(dispatcher, new DispatcherConfigurator(config, system.dispatchers().prerequisites()));
            eventLoops.dispatchers.put(eventLoops.loops.get(i), dispatcher);
        }
        return eventLoops;
    }

    static EventLoop loop(String groupId, int index) {
        EventLoops eventLoops = REGISTERED.get(groupId);
        if (eventLoops == null) {
            throw new IllegalStateException("no event loops " + groupId);
        }
        return eventLoops.loops.get(index);
    }

    public EventLoopGroup group() {
        return group;
    }

    /** The Pekko dispatcher that runs on {@code loop}. */
    String dispatcherOf(EventLoop loop) {
        return dispatchers.get(loop);
    }

    /** The loop the calling thread is, if it is one; otherwise the next in turn. */
    EventLoop currentOrNext() {
        OptionalInt here = indexHere();
        return here.isPresent() ? loops.get(here.getAsInt()) : group.next();
    }

    /** The index in {@link #all} of the loop the calling thread is, if it is one. */
    OptionalInt indexHere() {
        for (int i = 0; i < loops.size(); i++) {
            if (loops.get(i).inEventLoop()) {
                return OptionalInt.of(i);
            }
        }
        return OptionalInt.empty();
    }

    List<EventLoop> all() {
        return Collections.unmodifiableList(loops);
    }

    ExecutorService resolver() {
        return resolver;
    }

    @Override
    public void close() {
        REGISTERED.remove(id);
        resolver.shutdownNow();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
    }
}
