package io.cloakmesh.protocol.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Inline lines split as Redis's sdssplitargs splits them; ⟂ separates the expected arguments. */
class InlineCommandTest {
    private static String split(String line) {
        return InlineCommand.split(line.getBytes(StandardCharsets.ISO_8859_1))
                .map(args -> String.join("⟂", args.stream().map(a -> new String(a, StandardCharsets.ISO_8859_1)).toList()))
                .orElse("ERROR");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "SET a b|SET⟂a⟂b",
        "  get   k  |get⟂k",
        "set a \"b c\"|set⟂a⟂b c",
        "\"\\x46LUSHALL\"|FLUSHALL",
        "\"\\x4\"|x4",
        "'a\\'b'|a'b",
        "\"\\q\"|q",
        "a\tb|a⟂b",
        "\"a\"b|ERROR",
        "'a'b|ERROR",
        "\"unterminated|ERROR",
        "'unterminated|ERROR",
        "\"\"|",
    })
    void splitsAsRedis(String line, String expected) {
        assertEquals(expected == null ? "" : expected, split(line));
    }

    @org.junit.jupiter.api.Test
    void escapesWorkInDoubleQuotesOnly() {
        assertEquals("a\nb", split("\"a\\nb\""));
        assertEquals("a\\nb", split("'a\\nb'"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"a\u000bb", "a\u000cb"})
    void verticalTabAndFormFeedDoNotEndAnUnquotedArgument(String line) {
        assertEquals(List.of(line), InlineCommand.split(line.getBytes(StandardCharsets.ISO_8859_1)).orElseThrow().stream()
                .map(a -> new String(a, StandardCharsets.ISO_8859_1)).toList());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"GET a\u0000b"})
    void aLineWithNulIsRefused(String line) {
        assertTrue(InlineCommand.split(line.getBytes(StandardCharsets.ISO_8859_1)).isEmpty());
    }
}
