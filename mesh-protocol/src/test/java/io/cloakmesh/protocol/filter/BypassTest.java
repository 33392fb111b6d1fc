package io.cloakmesh.protocol.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.re2j.Pattern;
import io.cloakmesh.protocol.resp.RespLimits;
import io.cloakmesh.protocol.resp.RespProtocolException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.Test;

/**
 * Each bypass of the reference's §3.1 (redis-filters.md) tried against the filter in strict mode: a test
 * fails if what the rules refuse reaches Redis. What Redis would receive is read back from the session's
 * output as Redis reads it; the placeholder stands for a refused command.
 */
class BypassTest {
    private static final CommandTable TABLE = CommandTable.bundled();
    private static final String REFUSED = "<refused>";

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static FilterRules rules(Map<String, String> renames, List<Pattern> blockRegexes) {
        return new FilterRules(FilterRules.Mode.STRICT, true, new KeyRules(List.of(), List.of(), List.of(b("t1:")), List.of(),
                List.of(), List.of(), List.of(), blockRegexes), Set.of(0L, 2L), Set.of(), Set.of(),
                Set.of("FLUSHALL"), Set.of(), Set.of(), renames);
    }

    private final List<String> rules = new ArrayList<>();
    private FilterSession session = session(rules(Map.of(), List.of()));

    private FilterSession session(FilterRules filterRules) {
        CommandFilter filter = new CommandFilter(filterRules, TABLE);
        return new FilterSession(new FilterStage.Settings(RespLimits.DEFAULTS, 64 * 1024, 1000), () -> filter,
                rules::add);
    }

    /** What Redis receives for {@code chunks}: each command as its words, a refused one as {@link #REFUSED}. */
    private List<String> upstream(String... chunks) throws RespProtocolException {
        CommandReader redis = new CommandReader(RespLimits.DEFAULTS, Integer.MAX_VALUE);
        List<String> commands = new ArrayList<>();
        for (String chunk : chunks) {
            redis.read(session.requests(ByteString.fromArray(b(chunk))), (argv, inline, frame) -> {
                String name = new String(argv.get(0), StandardCharsets.ISO_8859_1);
                commands.add(name.equals(FilterSession.PLACEHOLDER) ? REFUSED : String.join(" ",
                        argv.stream().map(a -> new String(a, StandardCharsets.ISO_8859_1)).toList()));
            });
        }
        return commands;
    }

    private static String resp(String... words) {
        StringBuilder frame = new StringBuilder("*").append(words.length).append("\r\n");
        for (String w : words) {
            frame.append('$').append(w.length()).append("\r\n").append(w).append("\r\n");
        }
        return frame.toString();
    }

    @Test
    void r1InlineCommandsAreSplitAsRedisSplitsThem() throws Exception {
        assertEquals(List.of(REFUSED), upstream("\"\\x46LUSHALL\"\r\n"));
        assertEquals(List.of("SET t1:a b", REFUSED), upstream("SET t1:a b\nFLUSHALL\n"));
        assertEquals(List.of("SET t1:a b c"), upstream("SET t1:a 'b c'\r\n"), "quotes make one argument, as in Redis");
    }

    @Test
    void r2FramingRedisWouldReadDifferentlyClosesTheConnection() throws Exception {
        assertThrows(RespProtocolException.class, () -> upstream("*1\r\n$8\r\nFLUSHALLXX*1\r\n$4\r\nPING\r\n"));
        session = session(rules(Map.of(), List.of()));
        assertThrows(RespProtocolException.class, () -> upstream("*2\r\n:1\r\n$4\r\nPING\r\n"));
        session = session(rules(Map.of(), List.of()));
        assertEquals(List.of(), upstream("*0\r\n*-1\r\n"), "no command, as in Redis");
        assertEquals(List.of(), upstream("*2\r\n$3\r\nGET\r\n$4\r\nt1:"), "nothing of a partial command goes upstream");
    }

    @Test
    void r2NumbersWrittenOtherwiseThanRedisWritesThemAreWrittenAgain() throws Exception {
        assertEquals("*2\r\n$3\r\nGET\r\n$4\r\nt1:a\r\n*2\r\n$3\r\nGET\r\n$4\r\nt1:b\r\n",
                session.requests(ByteString.fromArray(b("*02\r\n$3\r\nGET\r\n$4\r\nt1:a\r\n*2\r\n$3\r\nGET\r\n$004\r\nt1:b\r\n")))
                        .decodeString(StandardCharsets.ISO_8859_1), "leading zeros are not passed on");
        ByteString canonical = ByteString.fromArray(b("*2\r\n$3\r\nGET\r\n$4\r\nt1:a\r\n*3\r\n$3\r\nSET\r\n$4\r\nt1:b\r\n$0\r\n\r\n"));
        assertEquals(canonical, session.requests(canonical), "frames already canonical pass as they came");
    }

    @Test
    void r3RenamedCommandsAreJudgedAsTheCommandTheyAre() throws Exception {
        assertEquals(List.of(REFUSED), upstream(resp("X9F")), "unknown without the map");
        session = session(rules(Map.of("X9F", "FLUSHDB"), List.of()));
        assertEquals(List.of(REFUSED), upstream(resp("X9F")), "FLUSHDB under key rules");
        assertTrue(rules.get(rules.size() - 1).startsWith("strict: a command without keys"), rules.toString());
    }

    @Test
    void r4AndR5ARefusedCommandInATransactionKeepsItsPlace() throws Exception {
        assertEquals(List.of("MULTI", "SET t1:a 1", REFUSED, REFUSED, "EXEC"),
                upstream(resp("MULTI") + resp("SET", "t1:a", "1") + resp("SET", "t2:a", "1") + resp("SELECT", "1") + resp("EXEC")));
    }

    @Test
    void r6TheDbChangesOnlyWhenRedisSaysSo() throws Exception {
        session = session(new FilterRules(FilterRules.Mode.STRICT, true, KeyRules.NONE, Set.of(2L, 3L), Set.of(), Set.of(),
                Set.of(), Set.of(), Set.of(), Map.of()));
        assertEquals(List.of(REFUSED), upstream(resp("GET", "k")), "db 0 is not allowed");
        assertEquals(List.of("SELECT 2"), upstream(resp("SELECT", "2")));
        assertEquals("-ERR DB index is out of range\r\n",
                session.replies(ByteString.fromString("-ERR DB index is out of range\r\n")).utf8String());
        assertEquals(List.of(REFUSED), upstream(resp("GET", "k")), "a refused SELECT left the connection in db 0");
        upstream(resp("SELECT", "3"));
        session.replies(ByteString.fromString("+OK\r\n"));
        assertEquals(List.of("GET k"), upstream(resp("GET", "k")));
        upstream(resp("RESET"));
        session.replies(ByteString.fromString("+RESET\r\n"));
        assertEquals(List.of(REFUSED), upstream(resp("GET", "k")), "RESET went back to db 0");
    }

    @Test
    void r7ScriptsAreRefusedEvenWithAllowedKeys() throws Exception {
        assertEquals(List.of(REFUSED, REFUSED, REFUSED), upstream(resp("EVAL", "return redis.call('FLUSHALL')", "1", "t1:a")
                + resp("SCRIPT", "LOAD", "return 1") + resp("FCALL", "f", "1", "t1:a")));
    }

    @Test
    void r8DataMovesAcrossKeysAndDbsOnlyWhereEveryKeyAndDbPasses() throws Exception {
        assertEquals(List.of(REFUSED, REFUSED, REFUSED, REFUSED, REFUSED, REFUSED, "MOVE t1:a 2"),
                upstream(resp("RENAME", "t1:a", "t2:a") + resp("MOVE", "t1:a", "1") + resp("COPY", "t1:a", "t1:b", "DB", "1")
                        + resp("SWAPDB", "0", "1") + resp("SORT", "t1:l", "BY", "t2:*") + resp("MIGRATE", "h", "1", "t1:a", "0", "1")
                        + resp("MOVE", "t1:a", "2")));
    }

    @Test
    void r9KeylessCommandsThatTouchDataAreRefusedUnderKeyRules() throws Exception {
        assertEquals(List.of(REFUSED, REFUSED, REFUSED, REFUSED, REFUSED, "PING"),
                upstream(resp("FLUSHDB") + resp("KEYS", "*") + resp("SCAN", "0") + resp("RANDOMKEY") + resp("DBSIZE") + resp("PING")));
    }

    @Test
    void r10BroadcastTrackingStaysInsideAllowedPrefixes() throws Exception {
        assertEquals(List.of("HELLO 3", REFUSED, "CLIENT TRACKING on BCAST PREFIX t1:x"),
                upstream(resp("HELLO", "3") + resp("CLIENT", "TRACKING", "on", "BCAST")
                        + resp("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "t1:x")));
    }

    @Test
    void r11PipelinesSplitAnywhereKeepOrderAndSendNothingUnjudged() throws Exception {
        String pipeline = resp("SET", "t1:a", "1") + resp("GET", "t2:a") + resp("GET", "t1:a");
        for (int cut = 1; cut < pipeline.length(); cut++) {
            session = session(rules(Map.of(), List.of()));
            assertEquals(List.of("SET t1:a 1", REFUSED, "GET t1:a"),
                    upstream(pipeline.substring(0, cut), pipeline.substring(cut)), "cut at " + cut);
        }
    }

    @Test
    void r12CaseFoldsAsciiOnly() throws Exception {
        Locale before = Locale.getDefault();
        try {
            Locale.setDefault(Locale.forLanguageTag("tr"));
            assertEquals(List.of("incr t1:n"), upstream(resp("incr", "t1:n")));
            assertEquals(List.of(REFUSED), upstream("*2\r\n$4\r\n\u00c5\u00bfet\r\n$4\r\nt1:a\r\n"), "ſet is not SET");
        } finally {
            Locale.setDefault(before);
        }
    }

    @Test
    void r13KeysAreBytes() throws Exception {
        assertEquals(List.of("GET t1:\u00ff", REFUSED), upstream(resp("GET", "t1:\u00ff") + resp("GET", "t\u00ff:a")));
    }

    @Test
    void r14RegexesAreUnanchoredAndLinear() throws Exception {
        session = session(rules(Map.of(), List.of(Pattern.compile("(a+)+$"), Pattern.compile("secret"))));
        String slow = "t1:" + "a".repeat(50_000) + "!";
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> assertEquals(List.of("GET " + slow), upstream(resp("GET", slow))));
        assertEquals(List.of(REFUSED), upstream(resp("GET", "t1:my-secret-key")), "unanchored: found inside the key");
    }

    @Test
    void r15CommandsTheTableDoesNotKnowAreRefused() throws Exception {
        assertEquals(List.of(REFUSED, REFUSED), upstream(resp("HGETDEL", "t1:h", "FIELDS", "1", "f") + resp("CONFIG", "NOSUCH")));
    }

    @Test
    void r16CommandsThatRevealOtherKeysAreRefusedUnderKeyRules() throws Exception {
        assertEquals(List.of(REFUSED, REFUSED, REFUSED, REFUSED, REFUSED),
                upstream(resp("MONITOR") + resp("SLOWLOG", "GET") + resp("CLIENT", "LIST") + resp("ACL", "LOG")
                        + resp("PSUBSCRIBE", "__keyspace@0__:*")));
    }

    @Test
    void r17RefusalsNameTheRuleNeverTheKey() throws Exception {
        upstream(resp("GET", "t2:customer-4711") + resp("SET", "t2:password", "hunter2"));
        assertEquals(2, rules.size());
        rules.forEach(rule -> assertFalse(rule.contains("4711") || rule.contains("password") || rule.contains("hunter2"), rule));
    }
}
