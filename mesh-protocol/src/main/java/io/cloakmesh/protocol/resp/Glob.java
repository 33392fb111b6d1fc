package io.cloakmesh.protocol.resp;

/**
 * Redis's glob patterns ({@code stringmatchlen} in util.c, as CONFIG GET and KEYS use them): {@code *},
 * {@code ?}, {@code [abc]}, {@code [^a-z]} and {@code \} escapes, compared without regard to ASCII case.
 * Pure and iterative: a pattern of many stars costs time proportional to its length times the text's.
 */
public final class Glob {
    private Glob() {
    }

    public static boolean matches(String pattern, String text) {
        int p = 0;
        int t = 0;
        int starP = -1;
        int starT = 0;
        while (t < text.length()) {
            if (p < pattern.length() && pattern.charAt(p) == '*') {
                starP = p++;
                starT = t;
                continue;
            }
            int next = p < pattern.length() ? matchOne(pattern, p, text.charAt(t)) : -1;
            if (next >= 0) {
                p = next;
                t++;
            } else if (starP >= 0) {
                p = starP + 1;
                t = ++starT;
            } else {
                return false;
            }
        }
        while (p < pattern.length() && pattern.charAt(p) == '*') {
            p++;
        }
        return p == pattern.length();
    }

    /** Where the pattern goes on if its element at {@code p} matches {@code c}; -1 if it does not. */
    private static int matchOne(String pattern, int p, char c) {
        char first = pattern.charAt(p);
        if (first == '?') {
            return p + 1;
        }
        if (first == '\\' && p + 1 < pattern.length()) {
            return same(pattern.charAt(p + 1), c) ? p + 2 : -1;
        }
        if (first != '[') {
            return same(first, c) ? p + 1 : -1;
        }
        int i = p + 1;
        boolean not = i < pattern.length() && pattern.charAt(i) == '^';
        if (not) {
            i++;
        }
        boolean hit = false;
        while (i < pattern.length() && pattern.charAt(i) != ']') {
            char here = pattern.charAt(i);
            if (here == '\\' && i + 1 < pattern.length()) {
                hit |= same(pattern.charAt(i + 1), c);
                i += 2;
            } else if (i + 2 < pattern.length() && pattern.charAt(i + 1) == '-' && pattern.charAt(i + 2) != ']') {
                char low = lower(here);
                char high = lower(pattern.charAt(i + 2));
                if (low > high) {
                    char swap = low;
                    low = high;
                    high = swap;
                }
                hit |= lower(c) >= low && lower(c) <= high;
                i += 3;
            } else {
                hit |= same(here, c);
                i++;
            }
        }
        // An unclosed class runs to the pattern's end, as in Redis.
        return hit != not ? Math.min(i + 1, pattern.length()) : -1;
    }

    private static boolean same(char a, char b) {
        return lower(a) == lower(b);
    }

    private static char lower(char c) {
        return c >= 'A' && c <= 'Z' ? (char) (c + 32) : c;
    }
}
