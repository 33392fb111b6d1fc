package io.cloakmesh.protocol.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloakmesh.protocol.resp.AsciiCase;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The worked examples of the reference (redis-filters.md §2.6); KeySpecsIT checks the whole table against Redis. */
class KeyFinderTest {
    private static final CommandTable TABLE = CommandTable.bundled();

    static List<byte[]> argv(String command) {
        return Arrays.stream(command.split(" ")).map(w -> w.equals("''") ? "" : w)
                .map(w -> w.getBytes(StandardCharsets.UTF_8)).toList();
    }

    static CommandSpec spec(List<byte[]> argv) {
        CommandSpec top = TABLE.command(AsciiCase.upper(argv.get(0))).orElseThrow();
        return top.subcommands().isEmpty() ? top : top.subcommands().get(AsciiCase.upper(argv.get(1)));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "SET k v GET|k",
        "MSET k1 v1 k2 v2|k1 k2",
        "EVAL script 2 k1 k2 a1|k1 k2",
        "EVAL script 0|",
        "FCALL fn 1 k a|k",
        "ZUNIONSTORE dst 2 a b WEIGHTS 1 2|dst a b",
        "ZINTERCARD 2 a b LIMIT 5|a b",
        "LMPOP 2 a b LEFT COUNT 3|a b",
        "BLMPOP 0 2 a b LEFT|a b",
        "XREAD COUNT 10 BLOCK 0 STREAMS s1 s2 0 $|s1 s2",
        "XREADGROUP GROUP STREAMS c STREAMS s1 >|s1",
        "GEORADIUS k 0 0 1 km STORE d|k d",
        "BITOP AND dst a b|dst a b",
        "OBJECT ENCODING k|k",
        "XGROUP CREATE k g $|k",
        "MIGRATE h 1 k 0 5000|k",
        "MIGRATE h 1 '' 0 5000 COPY AUTH pw KEYS k1 k2|k1 k2",
        "SORT k LIMIT 0 1 STORE a STORE b|k b",
        "SORT_RO k STORE x|k",
        "spublish channel message|",
    })
    void keysAreFoundAsRedisFindsThem(String command, String expected) {
        List<byte[]> argv = argv(command);
        KeyFinder.Result result = KeyFinder.find(spec(argv), argv);
        KeyFinder.Keys keys = assertInstanceOf(KeyFinder.Keys.class, result);
        String found = String.join(" ", keys.positions().stream()
                .map(i -> new String(argv.get(i), StandardCharsets.UTF_8)).toList());
        assertEquals(expected == null ? "" : expected, found);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "GET",
        "GET a b",
        "EVAL s 5 a",
        "EVAL s x a",
        "EVAL s -1 a",
        "ZUNIONSTORE dst 99999999999999999999 a",
        "MIGRATE h 1 k 0 5000 KEYS a",
    })
    void malformedCommandsAreInvalid(String command) {
        List<byte[]> argv = argv(command);
        assertInstanceOf(KeyFinder.Invalid.class, KeyFinder.find(spec(argv), argv));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"SORT k BY w_*", "SORT k GET #", "SORT_RO k GET o_*"})
    void sortPatternsReadUnnamedKeys(String command) {
        List<byte[]> argv = argv(command);
        assertTrue(((KeyFinder.Keys) KeyFinder.find(spec(argv), argv)).readsUnnamedKeys());
    }
}
