package io.cloakmesh.protocol.resp;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Writes a {@link RespValue} in its wire form; lengths are computed from the value, never copied. */
public final class RespWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    private RespWriter() {
    }

    public static byte[] write(RespValue value) {
        RespWriter writer = new RespWriter();
        writer.value(value);
        return writer.out.toByteArray();
    }

    /** A command as Redis reads it, an array of bulk strings, written straight into one exactly sized array. */
    public static byte[] command(List<byte[]> argv) {
        int size = 1 + digits(argv.size()) + 2;
        for (byte[] a : argv) {
            size += 1 + digits(a.length) + 2 + a.length + 2;
        }
        byte[] out = new byte[size];
        int at = header(out, 0, '*', argv.size());
        for (byte[] a : argv) {
            at = header(out, at, '$', a.length);
            System.arraycopy(a, 0, out, at, a.length);
            at += a.length;
            out[at++] = '\r';
            out[at++] = '\n';
        }
        return out;
    }

    private static int header(byte[] out, int at, char type, int count) {
        out[at++] = (byte) type;
        int end = at + digits(count);
        for (int i = end - 1, n = count; i >= at; i--, n /= 10) {
            out[i] = (byte) ('0' + n % 10);
        }
        out[end] = '\r';
        out[end + 1] = '\n';
        return end + 2;
    }

    private static int digits(int n) {
        int digits = 1;
        while (n >= 10) {
            n /= 10;
            digits++;
        }
        return digits;
    }

    private void value(RespValue value) {
        if (value instanceof RespValue.Simple s) {
            line('+', s.text());
        } else if (value instanceof RespValue.Error e) {
            line('-', e.text());
        } else if (value instanceof RespValue.Int i) {
            line(':', Long.toString(i.value()));
        } else if (value instanceof RespValue.Scalar s) {
            line(s.type(), s.text());
        } else if (value instanceof RespValue.Null n) {
            line(n == RespValue.Null.RESP3 ? '_' : n == RespValue.Null.BULK ? '$' : '*', n == RespValue.Null.RESP3 ? "" : "-1");
        } else if (value instanceof RespValue.Bulk b) {
            line(b.error() ? '!' : '$', Integer.toString(b.bytes().length));
            out.writeBytes(b.bytes());
            crlf();
        } else if (value instanceof RespValue.Verbatim v) {
            line('=', Integer.toString(v.text().length + 4));
            out.writeBytes((v.format() + ":").getBytes(StandardCharsets.ISO_8859_1));
            out.writeBytes(v.text());
            crlf();
        } else if (value instanceof RespValue.Aggregate a) {
            all(a.type(), a.elements().size(), a.elements());
        } else if (value instanceof RespValue.MapValue m) {
            all('%', m.keysAndValues().size() / 2, m.keysAndValues());
        } else if (value instanceof RespValue.Attributed a) {
            all('|', a.attributes().size() / 2, a.attributes());
            value(a.value());
        }
    }

    private void all(char type, int count, List<RespValue> values) {
        line(type, Integer.toString(count));
        values.forEach(this::value);
    }

    private void line(char type, String text) {
        out.write(type);
        out.writeBytes(text.getBytes(StandardCharsets.ISO_8859_1));
        crlf();
    }

    private void crlf() {
        out.write('\r');
        out.write('\n');
    }
}
