package io.cloakmesh.protocol.filter;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * An inline command line split into arguments exactly as Redis splits it (sdssplitargs in sds.c), so
 * that what the filter judges is what Redis would run: blanks separate arguments; double quotes take
 * {@code \xHH}, {@code \n}, {@code \r}, {@code \t}, {@code \b}, {@code \a} and {@code \<any>}; single
 * quotes take {@code \'}; a closing quote must be followed by a blank or the end. Pure.
 */
final class InlineCommand {
    private InlineCommand() {
    }

    /**
     * The arguments of {@code line} (without its line end); empty for unbalanced quotes, which Redis
     * answers with a protocol error. A line containing NUL is refused as well: Redis never finds the end
     * of such a line (it looks for it with strchr) and the filter must not guess what Redis would run.
     */
    static Optional<List<byte[]>> split(byte[] line) {
        for (byte b : line) {
            if (b == 0) {
                return Optional.empty();
            }
        }
        List<byte[]> args = new ArrayList<>();
        int p = 0;
        int n = line.length;
        while (true) {
            while (p < n && isSpace(line[p])) {
                p++;
            }
            if (p >= n) {
                return Optional.of(args);
            }
            ByteArrayOutputStream current = new ByteArrayOutputStream();
            boolean inDouble = false;
            boolean inSingle = false;
            boolean done = false;
            while (!done) {
                int c = p < n ? line[p] : 0;
                if (inDouble) {
                    if (c == '\\' && at(line, p + 1) == 'x' && isHex(at(line, p + 2)) && isHex(at(line, p + 3))) {
                        current.write(hex(at(line, p + 2)) * 16 + hex(at(line, p + 3)));
                        p += 3;
                    } else if (c == '\\' && p + 1 < n) {
                        p++;
                        current.write(switch (line[p]) {
                            case 'n' -> '\n';
                            case 'r' -> '\r';
                            case 't' -> '\t';
                            case 'b' -> '\b';
                            case 'a' -> 7;
                            default -> line[p];
                        });
                    } else if (c == '"' || c == 0) {
                        if (!closes(line, p)) {
                            return Optional.empty();
                        }
                        done = true;
                    } else {
                        current.write(c);
                    }
                } else if (inSingle) {
                    if (c == '\\' && at(line, p + 1) == '\'') {
                        p++;
                        current.write('\'');
                    } else if (c == '\'' || c == 0) {
                        if (!closes(line, p)) {
                            return Optional.empty();
                        }
                        done = true;
                    } else {
                        current.write(c);
                    }
                } else {
                    switch (c) {
                        case ' ', '\n', '\r', '\t', 0 -> done = true;
                        case '"' -> inDouble = true;
                        case '\'' -> inSingle = true;
                        default -> current.write(c);
                    }
                }
                if (p < n) {
                    p++;
                }
            }
            args.add(current.toByteArray());
        }
    }

    /** Whether a closing quote is at {@code p} (not the line's end) and a blank or the end follows it. */
    private static boolean closes(byte[] line, int p) {
        return p < line.length && (p + 1 == line.length || isSpace(line[p + 1]));
    }

    /** C's isspace in the C locale. */
    private static boolean isSpace(int c) {
        return c == ' ' || c == '\t' || c == '\n' || c == 0x0b || c == '\f' || c == '\r';
    }

    private static int at(byte[] line, int i) {
        return i < line.length ? line[i] : 0;
    }

    private static boolean isHex(int c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    private static int hex(int c) {
        return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
    }
}
