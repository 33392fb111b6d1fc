package io.cloakmesh.protocol.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.re2j.Pattern;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Verdicts of both modes on one rule set: a tenant prefix, db 0 and 1, CONFIG and FLUSHALL blocked. */
class CommandFilterTest {
    private static final CommandTable TABLE = CommandTable.bundled();

    private static KeyRules tenantKeys() {
        return new KeyRules(List.of(), List.of(b("t1:secret")), List.of(b("t1:")), List.of(b("t1:admin:")), List.of(),
                List.of(b(":lock")), List.of(), List.of(Pattern.compile("tmp[0-9]+")));
    }

    private static FilterRules rules(FilterRules.Mode mode) {
        return new FilterRules(mode, true, tenantKeys(), Set.of(0L, 1L), Set.of(1L), Set.of(),
                Set.of(TABLE.canonical("CONFIG"), TABLE.canonical("flushall")), Set.of(), Set.of("HYPERLOGLOG"),
                Map.of("XFLUSHDB", "FLUSHDB"));
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @ParameterizedTest(name = "{0} in db {1}: strict {2}, compat {3}")
    @CsvSource(delimiter = '|', value = {
        "GET t1:a|0|allow|allow",
        "get t1:a|0|allow|allow",
        "GET t2:a|0|allow_keys, allow_key_prefix, allow_key_suffix, allow_key_regex (no match)|allow_keys, allow_key_prefix, allow_key_suffix, allow_key_regex (no match)",
        "GET t1:secret|0|block_keys[0]|block_keys[0]",
        "GET t1:admin:x|0|block_key_prefix[0]|block_key_prefix[0]",
        "GET t1:x:lock|0|block_key_suffix[0]|block_key_suffix[0]",
        "GET t1:tmp42|0|block_key_regex[0]|block_key_regex[0]",
        "MSET t1:a 1 t2:b 2|0|allow_keys, allow_key_prefix, allow_key_suffix, allow_key_regex (no match)|allow_keys, allow_key_prefix, allow_key_suffix, allow_key_regex (no match)",
        "MSET t1:a 1 t1:b 2|0|allow|allow",
        "GET t1:a|1|block_db|block_db",
        "GET t1:a|2|allow_db|allow_db",
        "CONFIG SET maxmemory 1|0|block_command CONFIG|block_command CONFIG",
        "config get x|0|block_command CONFIG|block_command CONFIG",
        "FLUSHALL|0|block_command FLUSHALL|block_command FLUSHALL",
        "FLUSHDB ASYNC|0|strict: a command without keys that reads, writes or reveals data, while key rules are set|allow",
        "PFADD t1:h a|0|block_command_group HYPERLOGLOG|block_command_group HYPERLOGLOG",
        "FLUSHDB|0|strict: a command without keys that reads, writes or reveals data, while key rules are set|allow",
        "XFLUSHDB|0|strict: a command without keys that reads, writes or reveals data, while key rules are set|allow",
        "KEYS *|0|strict: a command without keys that reads, writes or reveals data, while key rules are set|allow",
        "SCAN 0|0|strict: a command without keys that reads, writes or reveals data, while key rules are set|allow",
        "EVAL return 0|0|strict: scripts and functions (allow them with allow_command or allow_command_group)|allow",
        "EVAL return 1 t2:x|0|allow_keys, allow_key_prefix, allow_key_suffix, allow_key_regex (no match)|allow_keys, allow_key_prefix, allow_key_suffix, allow_key_regex (no match)",
        "MOVE t1:a 1|0|block_db|allow",
        "MOVE t1:a 5|0|allow_db|allow",
        "COPY t1:a t1:b DB 1|0|block_db|allow",
        "SWAPDB 0 1|0|block_db|allow",
        "SELECT 1|0|block_db|allow",
        "SELECT 0|0|allow|allow",
        "SORT t1:list BY t2:*|0|strict: SORT BY or GET patterns read keys the rules cannot check|allow",
        "SORT t1:list BY nosort|0|allow|allow",
        "MIGRATE h 1 t1:a 0 5000|0|strict: MIGRATE (allow it with allow_command)|allow",
        "MONITOR|0|strict: MONITOR (allow it with allow_command)|allow",
        "NOSUCHCOMMAND x|0|strict: unknown command|allow",
        "CONFIG NOSUCH|0|strict: unknown command|block_command CONFIG",
        "GET|0|malformed command|malformed command",
        "PING|0|allow|allow",
        "HELLO 3|0|allow|allow",
        "MULTI|0|allow|allow",
        "CLIENT TRACKING on BCAST PREFIX t1:|0|strict: CLIENT TRACKING BCAST needs PREFIX arguments within allow_key_prefix|allow",
        "CLIENT TRACKING on BCAST|0|strict: CLIENT TRACKING BCAST needs PREFIX arguments within allow_key_prefix|allow",
        "CLIENT TRACKING on BCAST PREFIX t|0|strict: CLIENT TRACKING BCAST needs PREFIX arguments within allow_key_prefix|allow",
        "PUBLISH ch m|0|strict: a command without keys that reads, writes or reveals data, while key rules are set|allow",
    })
    void verdicts(String command, long db, String strict, String compat) {
        List<byte[]> argv = KeyFinderTest.argv(command);
        assertEquals(strict, describe(new CommandFilter(rules(FilterRules.Mode.STRICT), TABLE).judge(db, argv)), "strict");
        assertEquals(compat, describe(new CommandFilter(rules(FilterRules.Mode.COMPAT), TABLE).judge(db, argv)), "compat");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = ';', value = {"CONFIG;CONFIG", "config|set;CONFIG|SET", "CONFIG SET;CONFIG|SET", "CONFIG-SET;CONFIG|SET",
        "restore-asking;RESTORE-ASKING", "client no-evict;CLIENT|NO-EVICT", "CLIENT-NO-EVICT;CLIENT|NO-EVICT"})
    void ruleNamesAreCanonical(String written, String canonical) {
        assertEquals(canonical, TABLE.canonical(written));
    }

    private static String describe(CommandFilter.Verdict verdict) {
        return verdict.allowed() ? "allow" : verdict.rule();
    }
}
