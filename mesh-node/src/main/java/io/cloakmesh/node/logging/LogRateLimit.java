package io.cloakmesh.node.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.LoggerFactory;
import org.slf4j.Marker;

/**
 * Lets through at most {@code linesPerPeriod} lines per logger per period from loggers under
 * {@code prefix}, and says how many it held back. Pekko's IO and remoting log a line (with a stack trace)
 * per failed accept or handshake, which a peer on the network can cause thousands of times a second,
 * for instance by exhausting file descriptors (logback.xml).
 */
public final class LogRateLimit extends TurboFilter {
    private static final org.slf4j.Logger REPORT = LoggerFactory.getLogger(LogRateLimit.class);

    private String prefix = "org.apache.pekko";
    private int linesPerPeriod = 20;
    private long periodMillis = 10_000;
    private final Map<String, Window> windows = new ConcurrentHashMap<>();

    private static final class Window {
        final AtomicLong start = new AtomicLong();
        final AtomicLong lines = new AtomicLong();
        final AtomicLong held = new AtomicLong();
    }

    public void setPrefix(String prefix) {
        this.prefix = prefix;
    }

    public void setLinesPerPeriod(int lines) {
        this.linesPerPeriod = lines;
    }

    public void setPeriodMillis(long millis) {
        this.periodMillis = millis;
    }

    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
        if (level == null || !logger.getName().startsWith(prefix) || !level.isGreaterOrEqual(logger.getEffectiveLevel())) {
            return FilterReply.NEUTRAL;
        }
        Window window = windows.computeIfAbsent(logger.getName(), name -> new Window());
        long now = System.currentTimeMillis();
        long start = window.start.get();
        if (now - start >= periodMillis && window.start.compareAndSet(start, now)) {
            window.lines.set(0);
            long held = window.held.getAndSet(0);
            if (held > 0) {
                REPORT.warn("held back {} log lines of {} in the last {} s", held, logger.getName(), periodMillis / 1000);
            }
        }
        if (window.lines.incrementAndGet() > linesPerPeriod) {
            window.held.incrementAndGet();
            return FilterReply.DENY;
        }
        return FilterReply.NEUTRAL;
    }
}
