package io.cloakmesh.node.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.LoggerFactory;

/**
 * Fails a test when Netty reports a leaked buffer. The build runs tests with
 * {@code -Dio.netty.leakDetection.level=paranoid} (every buffer tracked); Netty reports a leak through its
 * logger when a buffer it tracks was collected without being released, which this catches.
 */
public final class NettyLeaks {
    private static final List<String> LEAKS = new CopyOnWriteArrayList<>();

    static {
        Logger logger = (Logger) LoggerFactory.getLogger(ResourceLeakDetector.class);
        AppenderBase<ILoggingEvent> appender = new AppenderBase<>() {
            @Override
            protected void append(ILoggingEvent event) {
                if (event.getLevel().isGreaterOrEqual(Level.ERROR) && event.getFormattedMessage().contains("LEAK")) {
                    LEAKS.add(event.getFormattedMessage());
                }
            }
        };
        appender.setContext(logger.getLoggerContext());
        appender.start();
        logger.addAppender(appender);
    }

    private NettyLeaks() {
    }

    /** Starts watching (idempotent): call before the code under test allocates. */
    public static void watch() {
        // The static initializer does the work.
    }

    /**
     * Collects garbage and lets Netty look for leaks (it does on allocation), then fails if any buffer
     * leaked since the watch began.
     */
    public static void assertNone() {
        for (int i = 0; i < 3; i++) {
            System.gc();
            for (int j = 0; j < 100; j++) {
                ByteBuf probe = ByteBufAllocator.DEFAULT.buffer(16);
                probe.release();
            }
        }
        if (!LEAKS.isEmpty()) {
            throw new AssertionError(LEAKS.size() + " Netty buffer leak(s), level " + ResourceLeakDetector.getLevel()
                    + ":\n" + String.join("\n\n", LEAKS));
        }
    }
}
