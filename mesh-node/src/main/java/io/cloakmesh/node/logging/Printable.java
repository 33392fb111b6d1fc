package io.cloakmesh.node.logging;

/**
 * Text that came from outside (a request's path or body, a rule someone wrote) made safe to put in a
 * reply or a log line: control characters are written as a backslash, x and two hex digits (Unicode's
 * line and paragraph separators as backslash, u and four), so that none can end a line, forge one, or
 * move a terminal's cursor.
 */
public final class Printable {
    private Printable() {
    }

    public static String of(String text) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean control = c < 0x20 || (c >= 0x7f && c < 0xa0) || c == '\u2028' || c == '\u2029';
            if (control && out == null) {
                out = new StringBuilder(text.length() + 8).append(text, 0, i);
            }
            if (out != null) {
                if (control) {
                    out.append(c < 0x100 ? String.format("\\x%02x", (int) c) : String.format("\\u%04x", (int) c));
                } else {
                    out.append(c);
                }
            }
        }
        return out == null ? text : out.toString();
    }
}
