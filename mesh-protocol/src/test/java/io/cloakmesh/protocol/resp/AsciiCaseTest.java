package io.cloakmesh.protocol.resp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

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
}
