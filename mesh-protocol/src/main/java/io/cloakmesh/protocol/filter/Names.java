package io.cloakmesh.protocol.filter;

import java.nio.charset.StandardCharsets;

/**
 * How command and group names are compared: ASCII case folding only, as Redis does (never the
 * default locale's, which turns {@code incr} into {@code İNCR} in Turkish, nor Unicode's, which turns
 * {@code ſet} into {@code SET}).
 */
final class Names {
    private Names() {
    }

    /** {@code bytes} with a-z folded to A-Z, read as ISO-8859-1 so every byte maps to one char. */
    static String upper(byte[] bytes) {
        byte[] folded = bytes.clone();
        for (int i = 0; i < folded.length; i++) {
            if (folded[i] >= 'a' && folded[i] <= 'z') {
                folded[i] -= 32;
            }
        }
        return new String(folded, StandardCharsets.ISO_8859_1);
    }

    static String upper(String text) {
        return upper(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** A group as COMMAND DOCS ({@code sorted-set}), the JSON source ({@code sorted_set}) or RedisShake writes it. */
    static String group(String name) {
        return upper(name.trim()).replace('-', '_').replace(' ', '_');
    }
}
