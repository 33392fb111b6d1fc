package io.cloakmesh.protocol.resp;

import java.nio.charset.StandardCharsets;
import java.util.Collection;

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

    /**
     * A fixed set of upper-case words (command and subcommand names), found from a word as typed, in any
     * case, without making a String when the set has it: names are looked up for every command a client
     * sends.
     */
    public static final class Words {
        private final String[] slots;
        private final int mask;

        public Words(Collection<String> upperWords) {
            int size = Integer.highestOneBit(Math.max(4, upperWords.size() * 2 - 1)) << 1;
            this.slots = new String[size];
            this.mask = size - 1;
            for (String word : upperWords) {
                byte[] bytes = word.getBytes(StandardCharsets.ISO_8859_1);
                int i = hash(bytes) & mask;
                while (slots[i] != null && !slots[i].equals(word)) {
                    i = (i + 1) & mask;
                }
                slots[i] = word;
            }
        }

        /** {@code typed} upper-cased: the set's own String when it has the word. */
        public String upper(byte[] typed) {
            for (int i = hash(typed) & mask; slots[i] != null; i = (i + 1) & mask) {
                if (equalsFolded(slots[i], typed)) {
                    return slots[i];
                }
            }
            return AsciiCase.upper(typed);
        }

        private static int hash(byte[] word) {
            int h = 0;
            for (byte b : word) {
                h = 31 * h + fold(b);
            }
            return h ^ (h >>> 16);
        }

        private static boolean equalsFolded(String upper, byte[] typed) {
            if (upper.length() != typed.length) {
                return false;
            }
            for (int i = 0; i < typed.length; i++) {
                if (upper.charAt(i) != (char) (fold(typed[i]) & 0xff)) {
                    return false;
                }
            }
            return true;
        }

        private static byte fold(byte b) {
            return b >= 'a' && b <= 'z' ? (byte) (b - 32) : b;
        }
    }
}
