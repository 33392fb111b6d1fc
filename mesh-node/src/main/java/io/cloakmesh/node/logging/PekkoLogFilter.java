package io.cloakmesh.node.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import java.net.BindException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.LoggerFactory;
import org.slf4j.Marker;

/**
 * A {@link LogRateLimit} per logger under {@code prefix}: at most {@code linesPerPeriod} lines per
 * period each. Pekko's IO and remoting log a line (with a stack trace) per failed accept or handshake,
 * which a peer on the network can cause thousands of times a second, for instance by exhausting file
 * descriptors (logback.xml). Pekko IO's own report of a listener that cannot bind (a stack trace) is
 * dropped: whatever binds through it reports that failure itself, in one line naming the setting.
 */
public final class PekkoLogFilter extends TurboFilter {
    private static final org.slf4j.Logger REPORT = LoggerFactory.getLogger(PekkoLogFilter.class);

    private String prefix = "org.apache.pekko";
    private int linesPerPeriod = 20;
    private long periodMillis = 10_000;
    private final Map<String, LogRateLimit> limits = new ConcurrentHashMap<>();

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
        if (t instanceof BindException && logger.getName().equals("org.apache.pekko.io.TcpListener")) {
            return FilterReply.DENY;
        }
        if (level == null || !logger.getName().startsWith(prefix) || !level.isGreaterOrEqual(logger.getEffectiveLevel())) {
            return FilterReply.NEUTRAL;
        }
        boolean[] written = new boolean[1];
        limits.computeIfAbsent(logger.getName(), name -> new LogRateLimit(linesPerPeriod, Duration.ofMillis(periodMillis)))
                .occurred(held -> {
                    written[0] = true;
                    if (held > 0) {
                        REPORT.warn("held back {} log lines of {} in the last {} s", held, logger.getName(),
                                periodMillis / 1000);
                    }
                });
        return written[0] ? FilterReply.NEUTRAL : FilterReply.DENY;
    }
}
