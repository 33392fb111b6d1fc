package io.cloakmesh.protocol.resp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GlobTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "*|port|true", "PORT|port|true", "po?t|port|true", "p*t|port|true", "*port|tls-port|true",
        "cluster-announce-*|cluster-announce-bus-port|true", "[pq]ort|port|true", "[^p]ort|port|false",
        "[a-z]ort|port|true", "[A-Z]ORT|port|true", "\\*|*|true", "\\*|port|false", "maxmemory|port|false",
        "por|port|false", "portx|port|false", "*p*o*r*t*|port|true", "[p|port|false", "[po|port|false", "[po|p|true",
        "''|port|false", "***|port|true"})
    void matchesAsRedisDoes(String pattern, String text, boolean expected) {
        assertEquals(expected, Glob.matches(pattern, text), pattern + " ~ " + text);
    }
}
