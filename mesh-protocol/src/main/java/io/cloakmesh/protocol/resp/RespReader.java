package io.cloakmesh.protocol.resp;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads one complete value, as {@link RespScanner} delimited it (which has already enforced the
 * bounds), into a {@link RespValue}. A pure parser, in the manner of Lettuce's reply parsers.
 */
public final class RespReader {
    private final ByteBuffer in;

    private RespReader(ByteBuffer in) {
        this.in = in;
    }

    /** The value in {@code frame}, which must hold exactly one top-level value. */
    public static RespValue read(ByteBuffer frame) throws RespProtocolException {
        RespReader reader = new RespReader(frame.duplicate());
        try {
            RespValue value = reader.value();
            if (reader.in.hasRemaining()) {
                throw new RespProtocolException("not RESP: bytes after the value");
            }
            return value;
        } catch (java.nio.BufferUnderflowException | NumberFormatException e) {
            throw new RespProtocolException("not RESP: a truncated or malformed value");
        }
    }

    private RespValue value() throws RespProtocolException {
        char type = (char) in.get();
        return switch (type) {
            case '+' -> new RespValue.Simple(line());
            case '-' -> new RespValue.Error(line());
            case ':' -> new RespValue.Int(Long.parseLong(line()));
            case '#', ',', '(' -> new RespValue.Scalar(type, line());
            case '_' -> {
                line();
                yield RespValue.Null.RESP3;
            }
            case '$', '!' -> {
                long length = Long.parseLong(line());
                yield length < 0 ? RespValue.Null.BULK : new RespValue.Bulk(body(length), type == '!');
            }
            case '=' -> {
                byte[] body = body(Long.parseLong(line()));
                if (body.length < 4 || body[3] != ':') {
                    throw new RespProtocolException("not RESP: a verbatim string without its format");
                }
                yield new RespValue.Verbatim(new String(body, 0, 3, StandardCharsets.ISO_8859_1),
                        java.util.Arrays.copyOfRange(body, 4, body.length));
            }
            case '*', '~', '>' -> {
                long count = Long.parseLong(line());
                yield count < 0 ? RespValue.Null.ARRAY : new RespValue.Aggregate(type, values(count));
            }
            case '%' -> new RespValue.MapValue(values(2 * Long.parseLong(line())));
            case '|' -> {
                List<RespValue> attributes = values(2 * Long.parseLong(line()));
                yield new RespValue.Attributed(attributes, value());
            }
            default -> throw new RespProtocolException("not RESP: unexpected type byte 0x" + Integer.toHexString(type));
        };
    }

    private List<RespValue> values(long count) throws RespProtocolException {
        List<RespValue> values = new ArrayList<>((int) Math.min(count, 1024));
        for (long i = 0; i < count; i++) {
            values.add(value());
        }
        return values;
    }

    private String line() throws RespProtocolException {
        int start = in.position();
        while (in.get() != '\r') {
            // the scanner has checked the line's bound
        }
        int end = in.position() - 1;
        if (in.get() != '\n') {
            throw new RespProtocolException("not RESP: CR without LF");
        }
        byte[] text = new byte[end - start];
        in.get(start, text);
        return new String(text, StandardCharsets.ISO_8859_1);
    }

    private byte[] body(long length) throws RespProtocolException {
        if (length > in.remaining() - 2) {
            throw new RespProtocolException("not RESP: a bulk string longer than its frame");
        }
        byte[] body = new byte[(int) length];
        in.get(body);
        if (in.get() != '\r' || in.get() != '\n') {
            throw new RespProtocolException("not RESP: a bulk string not followed by CRLF");
        }
        return body;
    }
}
