package io.cloakmesh.node.filter;

import static io.cloakmesh.node.filter.RawRedis.resp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.re2j.Pattern;
import io.cloakmesh.node.testing.ExternalProcess;
import io.cloakmesh.node.testing.Poll;
import io.cloakmesh.protocol.filter.CommandFilter;
import io.cloakmesh.protocol.filter.CommandTable;
import io.cloakmesh.protocol.filter.FilterRules;
import io.cloakmesh.protocol.filter.FilterStage;
import io.cloakmesh.protocol.filter.KeyRules;
import io.cloakmesh.protocol.resp.RespLimits;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.stream.javadsl.BidiFlow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Tcp;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The filter stage between real clients and a real redis-server: blocked commands get their error in
 * their own place, never reach Redis, and the connection stays usable; transactions abort; SELECT is
 * judged by the db it reaches; inline commands are split as Redis splits them.
 */
class FilterStageIT {
    private static final CommandTable TABLE = CommandTable.bundled();
    private static final String NOPERM = "-NOPERM cloakmesh filter: command blocked by rule ";
    private static ExternalProcess redis;
    private static int redisPort;
    private static ActorSystem system;
    private static int filtered;
    private static final AtomicReference<CommandFilter> RULES = new AtomicReference<>();

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static FilterRules rules(FilterRules.Mode mode) {
        KeyRules keys = new KeyRules(List.of(), List.of(b("t1:secret")), List.of(b("t1:")), List.of(b("t1:admin:")),
                List.of(), List.of(b(":lock")), List.of(), List.of(Pattern.compile("tmp[0-9]+")));
        return new FilterRules(mode, true, keys, Set.of(0L, 2L, 99L), Set.of(), Set.of(),
                Set.of(TABLE.canonical("CONFIG"), TABLE.canonical("FLUSHALL")), Set.of(), Set.of("HYPERLOGLOG"), Map.of());
    }

    @BeforeAll
    static void start() throws Exception {
        redisPort = Poll.freePort();
        redis = ExternalProcess.redis(redisPort);
        system = ActorSystem.create("filter-stage-it");
        FilterStage.Settings settings = new FilterStage.Settings(RespLimits.DEFAULTS, 1 << 20, 100_000);
        filtered = Tcp.get(system).bind("127.0.0.1", 0)
                .to(Sink.foreach(connection -> connection.handleWith(
                        BidiFlow.fromGraph(new FilterStage(settings, RULES::get, rule -> { }))
                                .join(Tcp.get(system).outgoingConnection("127.0.0.1", redisPort)), system)))
                .run(system).toCompletableFuture().get().localAddress().getPort();
    }

    @AfterAll
    static void stop() throws Exception {
        system.terminate();
        redis.close();
    }

    @BeforeEach
    void strictAndEmpty() throws Exception {
        RULES.set(new CommandFilter(rules(FilterRules.Mode.STRICT), TABLE));
        try (RawRedis direct = new RawRedis(redisPort)) {
            direct.send(resp("FLUSHALL")).reply();
            direct.send(resp("CONFIG", "RESETSTAT")).reply();
        }
    }

    private static String direct(String... command) throws Exception {
        try (RawRedis direct = new RawRedis(redisPort)) {
            return direct.send(resp(command)).reply();
        }
    }

    @Test
    void aPipelineGetsEachBlockedCommandsErrorInItsOwnPlace() throws Exception {
        try (RawRedis client = new RawRedis(filtered)) {
            List<String> replies = client.send(resp("SET", "t1:a", "1") + resp("GET", "t2:b") + resp("GET", "t1:a")
                    + resp("CONFIG", "SET", "maxmemory", "1") + resp("PFADD", "t1:h", "x") + resp("GET", "t1:secret")
                    + resp("PING")).replies(7);
            assertEquals("+OK", replies.get(0));
            assertTrue(replies.get(1).startsWith(NOPERM + "allow_keys"), replies.get(1));
            assertEquals("$1", replies.get(2));
            assertEquals(NOPERM + "block_command CONFIG", replies.get(3));
            assertEquals(NOPERM + "block_command_group HYPERLOGLOG", replies.get(4));
            assertEquals(NOPERM + "block_keys[0]", replies.get(5));
            assertEquals("+PONG", replies.get(6));
        }
        assertEquals("$0", direct("CONFIG", "GET", "maxmemory").replace("*[$maxmemory, $0]", "$0"));
        assertFalse(direct("INFO", "commandstats").contains("cmdstat_pfadd"), "PFADD never reached Redis");
    }

    @Test
    void aBlockedCommandInATransactionAbortsItWhole() throws Exception {
        try (RawRedis client = new RawRedis(filtered)) {
            List<String> replies = client.send(resp("MULTI") + resp("SET", "t1:x", "1") + resp("SET", "t2:x", "1")
                    + resp("EXEC")).replies(4);
            assertEquals("+OK", replies.get(0));
            assertEquals("+QUEUED", replies.get(1));
            assertTrue(replies.get(2).startsWith(NOPERM), replies.get(2));
            assertTrue(replies.get(3).startsWith("-EXECABORT"), replies.get(3));
            assertEquals("+PONG", client.send(resp("PING")).reply(), "the connection stays usable");
        }
        assertEquals("_", direct("GET", "t1:x"), "nothing of the transaction ran");
    }

    @Test
    void theDbIsJudgedWhereTheCommandRuns() throws Exception {
        try (RawRedis client = new RawRedis(filtered)) {
            assertEquals(NOPERM + "allow_db", client.send(resp("SELECT", "1")).reply());
            assertEquals("+OK", client.send(resp("SET", "t1:in0", "x")).reply(), "still in db 0");
            assertEquals("+OK", client.send(resp("SELECT", "2")).reply());
            assertEquals("+OK", client.send(resp("SET", "t1:in2", "x")).reply());
            assertEquals(NOPERM + "allow_db", client.send(resp("MOVE", "t1:in2", "1")).reply());
            assertTrue(client.send(resp("SELECT", "99")).reply().startsWith("-ERR"), "Redis refuses db 99 (out of range)");
            assertEquals("+OK", client.send(resp("SET", "t1:still2", "x")).reply(), "a failed SELECT changes nothing");
            assertEquals("+RESET", client.send(resp("RESET")).reply());
            assertEquals("$x", client.send(resp("GET", "t1:in0")).reply(), "RESET went back to db 0");
        }
    }

    @Test
    void inlineCommandsAreSplitAsRedisSplitsThem() throws Exception {
        try (RawRedis client = new RawRedis(filtered)) {
            assertEquals(NOPERM + "block_command FLUSHALL", client.send("\"\\x46LUSHALL\"\r\n").reply());
            List<String> replies = client.send("SET t1:a 'b c'\nGET t1:a\nFLUSHALL\r\n").replies(3);
            assertEquals(List.of("+OK", "$b c", NOPERM + "block_command FLUSHALL"), replies);
        }
        RULES.set(new CommandFilter(new FilterRules(FilterRules.Mode.STRICT, false, KeyRules.NONE, Set.of(), Set.of(),
                Set.of(), Set.of(), Set.of(), Set.of(), Map.of()), TABLE));
        try (RawRedis client = new RawRedis(filtered)) {
            assertEquals(NOPERM + "inline commands (filter.inline = deny)", client.send("PING\r\n").reply());
            assertEquals("+PONG", client.send(resp("PING")).reply());
        }
    }

    @Test
    void resp3ClientsGetTheSameErrors() throws Exception {
        try (RawRedis client = new RawRedis(filtered)) {
            assertTrue(client.send(resp("HELLO", "3")).reply().startsWith("%"));
            assertEquals(NOPERM + "block_command CONFIG", client.send(resp("CONFIG", "GET", "x")).reply());
            assertEquals(":1", client.send(resp("INCR", "t1:n")).reply());
        }
    }

    @Test
    void newRulesApplyToOpenConnectionsFromTheirNextCommand() throws Exception {
        try (RawRedis client = new RawRedis(filtered)) {
            assertTrue(client.send(resp("GET", "t2:a")).reply().startsWith(NOPERM));
            RULES.set(new CommandFilter(FilterRules.NONE, TABLE));
            assertEquals("_", client.send(resp("GET", "t2:a")).reply());
        }
    }
}
