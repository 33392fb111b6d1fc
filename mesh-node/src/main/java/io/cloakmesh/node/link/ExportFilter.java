package io.cloakmesh.node.link;

import io.cloakmesh.node.config.ExportSettings;
import io.cloakmesh.node.config.FilterSettings;
import io.cloakmesh.node.config.HostPort;
import io.cloakmesh.node.config.RedisCredentials;
import io.cloakmesh.node.logging.LogRateLimit;
import io.cloakmesh.node.net.Failures;
import io.cloakmesh.node.redis.RedisExchange;
import io.cloakmesh.node.tls.ReloadingTls;
import io.cloakmesh.protocol.filter.CommandFilter;
import io.cloakmesh.protocol.filter.CommandTable;
import io.cloakmesh.protocol.filter.FilterStage;
import io.cloakmesh.protocol.filter.TableDifferences;
import io.cloakmesh.protocol.resp.RespLimits;
import io.cloakmesh.protocol.resp.RespValue;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.javadsl.BidiFlow;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An export's command filter at the exit, for the Redis kinds: the rules in force (read again by every
 * connection for each command, so {@link #replace} applies from each connection's next command without
 * dropping any), a {@link FilterStage} for each link, counts of verdicts by rule, and a rate-limited line
 * per refusal that names the rule, never a key or value.
 */
public final class ExportFilter {
    private static final Logger LOG = LoggerFactory.getLogger(ExportFilter.class);
    /** Commands a client may send ahead of their replies on one link. */
    private static final int MAX_OUTSTANDING = 100_000;
    /** The largest COMMAND reply read (Redis 7's is about 100 KiB; modules add to it). */
    private static final int MAX_COMMAND_REPLY = 8 * 1024 * 1024;
    static final String ALLOWED = "(allowed)";

    /**
     * The rules in force, as written and as judged by.
     *
     * @param source where they came from: the configuration file, or the admin API and when
     */
    public record Rules(FilterSettings settings, String source, CommandFilter filter) {
    }

    private final String service;
    private final AtomicReference<Rules> rules;
    private final Map<String, LongAdder> verdicts = new ConcurrentHashMap<>();
    private final LongAdder allowed = new LongAdder();
    private final LogRateLimit refusals = new LogRateLimit(Duration.ofSeconds(10));

    ExportFilter(String service, FilterSettings settings) {
        this.service = service;
        this.rules = new AtomicReference<>(rules(settings, "configuration file"));
        LOG.info("export {}: filter in {} mode, commands known as Redis {} has them", service, settings.mode(),
                CommandTable.bundled().redisVersion());
    }

    /**
     * The filter of an export of a Redis kind, if its settings have a filter block; its command table is
     * compared with the first of {@code servers} that answers COMMAND, in the background.
     */
    static Optional<ExportFilter> of(ExportSettings settings, ActorSystem<?> system, List<HostPort> servers,
            Optional<RedisCredentials> credentials, Optional<ReloadingTls> tls) {
        return settings.filter().map(f -> {
            ExportFilter filter = new ExportFilter(settings.name(), f);
            filter.compareTable(new RedisExchange(system, settings.connectTimeout().multipliedBy(2), credentials,
                    MAX_COMMAND_REPLY, tls), servers, 0);
            return filter;
        });
    }

    /**
     * Logs where the target's own command table differs from the bundled one: a warning naming the
     * differences (in strict mode a command the table lacks is denied), or why it could not be read.
     */
    private void compareTable(RedisExchange redis, List<HostPort> servers, int index) {
        HostPort server = servers.get(index);
        redis.ask(server, "COMMAND").whenComplete((reply, failure) -> {
            if (failure != null || reply instanceof RespValue.Error) {
                String why = failure != null ? Failures.rootMessage(failure) : ((RespValue.Error) reply).text();
                if (index + 1 < servers.size()) {
                    compareTable(redis, servers, index + 1);
                } else {
                    LOG.info("export {}: cannot compare the filter's command table with {}'s: {}", service, server,
                            why);
                }
                return;
            }
            try {
                TableDifferences differences = TableDifferences.of(CommandTable.bundled(), reply);
                if (differences.none()) {
                    LOG.info("export {}: {} has the commands of the filter's table (Redis {})", service, server,
                            CommandTable.bundled().redisVersion());
                } else {
                    LOG.warn("export {}: {}'s commands differ from the filter's table (Redis {}): {}", service, server,
                            CommandTable.bundled().redisVersion(), differences.describe(20));
                }
            } catch (TableDifferences.MalformedReplyException e) {
                LOG.warn("export {}: cannot compare the filter's command table with {}'s: {}", service, server,
                        e.getMessage());
            }
        });
    }

    /** The stage for one more link. */
    BidiFlow<ByteString, ByteString, ByteString, ByteString, NotUsed> stage() {
        FilterStage.Settings limits = new FilterStage.Settings(RespLimits.DEFAULTS, rules.get().settings().maxCommandBytes(),
                MAX_OUTSTANDING);
        return BidiFlow.fromGraph(new FilterStage(limits, () -> rules.get().filter(), this::judged));
    }

    /** The rules in force now. */
    public Rules rules() {
        return rules.get();
    }

    /** Puts {@code settings} in force from each connection's next command; {@code source} says who asked. */
    public void replace(FilterSettings settings, String source) {
        rules.set(rules(settings, source));
        LOG.info("export {}: filter rules replaced ({}), now in {} mode", service, source, settings.mode());
    }

    /** What the rules in force say of {@code argv} run in db {@code db}, without sending it anywhere. */
    public CommandFilter.Verdict test(long db, List<byte[]> argv) {
        return rules.get().filter().judge(db, argv);
    }

    /** Verdicts so far: {@link #ALLOWED} and each rule that refused, with their counts. */
    public Map<String, Long> verdicts() {
        Map<String, Long> out = new TreeMap<>();
        if (allowed.sum() > 0) {
            out.put(ALLOWED, allowed.sum());
        }
        verdicts.forEach((rule, count) -> out.put(rule, count.sum()));
        return out;
    }

    private static Rules rules(FilterSettings settings, String source) {
        return new Rules(settings, source, new CommandFilter(settings.rules(CommandTable.bundled()), CommandTable.bundled()));
    }

    private void judged(String rule) {
        if (rule == null) {
            allowed.increment();
        } else {
            verdicts.computeIfAbsent(rule, r -> new LongAdder()).increment();
            refusals.occurred(skipped -> LOG.warn("export {}: a command was refused by filter rule {}{}", service, rule,
                    skipped > 0 ? " (" + skipped + " more refusals since the last line)" : ""));
        }
    }
}
