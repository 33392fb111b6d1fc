package io.cloakmesh.protocol.resp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

class AsciiCaseTest {
    @Test
    void onlyAsciiLettersFold() {
        Locale before = Locale.getDefault();
        try {
            Locale.setDefault(Locale.forLanguageTag("tr"));
            assertEquals("INCR", AsciiCase.upper("incr"), "not İNCR, whatever the default locale");
        } finally {
            Locale.setDefault(before);
        }
        assertNotEquals("SET", AsciiCase.upper("\u017fet".getBytes(StandardCharsets.UTF_8)), "ſet is not SET");
        byte[] latin = {(byte) 0xff, 'g', 'e', 't'};
        assertEquals(new String(new byte[] {(byte) 0xff, 'G', 'E', 'T'}, StandardCharsets.ISO_8859_1), AsciiCase.upper(latin),
                "ÿ stays ÿ (Unicode would make it Ÿ, outside ISO-8859-1)");
    }

    @Test
    void aRequestHeadFoldsAsRedisDoes() {
        ByteBuffer request = ByteBuffer.wrap(new byte[] {'*', '1', '\r', '\n', '$', '4', '\r', '\n', (byte) 0xff, 'g', 'e', 't',
            '\r', '\n'});
        assertEquals(List.of("\u00ffGET"), RequestHead.parse(request).orElseThrow().words());
    }

    @Test
    void wordsFindTheirOwnStringInAnyCaseAndFoldOthersAlike() {
        String get = new String("GET");
        AsciiCase.Words words = new AsciiCase.Words(List.of(get, "SET", "CLIENT", "\u00ffGET", "A"));
        assertSame(get, words.upper(b("gEt")), "a word the set has comes back as the set's own String");
        assertSame(get, words.upper(b("GET")));
        assertEquals("GETS", words.upper(b("gets")), "a longer word is not the set's");
        assertEquals("GE", words.upper(b("ge")));
        assertEquals("INCR", words.upper(b("incr")), "a word the set lacks is folded as upper() folds it");
        assertEquals("", words.upper(new byte[0]));
        assertEquals("\u00ffGET", words.upper(new byte[] {(byte) 0xff, 'g', 'e', 't'}));
        assertNotEquals("\u00ffGET", words.upper(new byte[] {(byte) 0xdf, 'g', 'e', 't'}), "only a-z fold");
        assertNotEquals("SET", words.upper("\u017fet".getBytes(StandardCharsets.UTF_8)), "\u017fet is not SET");
        assertEquals("A", words.upper(b("a")));
        assertEquals("[", words.upper(b("[")), "the byte after Z is no letter");
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
