package io.cloakmesh.node.transport;

import com.typesafe.config.Config;
import io.netty.channel.EventLoop;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.dispatch.DispatcherPrerequisites;
import org.apache.pekko.dispatch.ExecutorServiceConfigurator;
import org.apache.pekko.dispatch.ExecutorServiceFactory;

/**
 * A Pekko dispatcher executor that is one Netty event loop ({@code loop-group}, {@code loop-index} in its
 * config, see {@link EventLoops}). Pekko shuts an idle dispatcher's executor down and makes a new one
 * later: here that must not stop the loop, which the transport owns.
 */
public final class LoopExecutorConfigurator extends ExecutorServiceConfigurator {
    private final EventLoop loop;

    public LoopExecutorConfigurator(Config config, DispatcherPrerequisites prerequisites) {
        super(config, prerequisites);
        this.loop = EventLoops.loop(config.getString("loop-group"), config.getInt("loop-index"));
    }

    @Override
    public ExecutorServiceFactory createExecutorServiceFactory(String id, ThreadFactory threadFactory) {
        return () -> new OnLoop(loop);
    }

    private static final class OnLoop extends AbstractExecutorService {
        private final EventLoop loop;
        private volatile boolean shutdown;

        OnLoop(EventLoop loop) {
            this.loop = loop;
        }

        @Override
        public void execute(Runnable task) {
            loop.execute(task);
        }

        @Override
        public void shutdown() {
            shutdown = true;
        }

        @Override
        public List<Runnable> shutdownNow() {
            shutdown = true;
            return List.of();
        }

        @Override
        public boolean isShutdown() {
            return shutdown;
        }

        @Override
        public boolean isTerminated() {
            return shutdown;
        }

        @Override
        public boolean awaitTermination(long timeout, TimeUnit unit) {
            return true;
        }
    }
}
