package io.cloakmesh.node.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

class PrintableTest {
    @Test
    void controlCharactersAreEscapedAndPlainTextIsLeftAlone() {
        String plain = "rule 3: prefix 'tenant1:' — ok";
        assertSame(plain, Printable.of(plain));
        assertEquals("a1\\x0d\\x0aX-Injected: yes", Printable.of("a1\r\nX-Injected: yes"));
        assertEquals("\\x1b[2J\\x00\\x7f\\x85", Printable.of("\u001b[2J\u0000\u007f\u0085"));
        assertEquals("line\\u2028next", Printable.of("line\u2028next"));
    }
}
