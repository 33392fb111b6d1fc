package io.cloakmesh.protocol.resp;

import java.nio.charset.StandardCharsets;

/**
 * How Redis compares command names: ASCII case folding only (strcasecmp), never the default locale's,
 * which turns {@code incr} into {@code İNCR} in Turkish, nor Unicode's, which turns {@code ſet} into
 * {@code SET} or {@code ÿ} into a character outside ISO-8859-1.
 */
public final class AsciiCase {
    private AsciiCase() {
    }

    /** {@code bytes} with a-z folded to A-Z, read as ISO-8859-1 so every byte maps to one char. */
    public static String upper(byte[] bytes) {
        byte[] folded = bytes.clone();
        for (int i = 0; i < folded.length; i++) {
            if (folded[i] >= 'a' && folded[i] <= 'z') {
                folded[i] -= 32;
            }
        }
        return new String(folded, StandardCharsets.ISO_8859_1);
    }

    /** {@code text} (ISO-8859-1 characters, as a command name read from the wire is) with a-z folded to A-Z. */
    public static String upper(String text) {
        return upper(text.getBytes(StandardCharsets.ISO_8859_1));
    }
}
