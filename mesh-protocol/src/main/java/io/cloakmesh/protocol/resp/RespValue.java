package io.cloakmesh.protocol.resp;

import java.util.List;

/**
 * One RESP2/RESP3 value, for the few replies that are rewritten (they carry node addresses); all other
 * traffic streams through as bytes. Every wire form has its own record, so that a value written back
 * is byte for byte what was read, RESP2 nulls included. Line texts are ISO-8859-1: one char per byte.
 */
public sealed interface RespValue {

    /** {@code +text}. */
    record Simple(String text) implements RespValue {
    }

    /** {@code -text}, e.g. {@code MOVED 3999 127.0.0.1:6381}. */
    record Error(String text) implements RespValue {
    }

    /** {@code :n}. */
    record Int(long value) implements RespValue {
    }

    /** {@code $n} (a bulk string) or {@code !n} (a RESP3 blob error). */
    record Bulk(byte[] bytes, boolean error) implements RespValue {
    }

    /** {@code =n}: a RESP3 verbatim string, three format letters and the text. */
    record Verbatim(String format, byte[] text) implements RespValue {
    }

    /** A null: RESP3 {@code _}, RESP2 {@code $-1} (null bulk) or {@code *-1} (null array). */
    enum Null implements RespValue {
        RESP3,
        BULK,
        ARRAY
    }

    /** {@code #t} / {@code #f}, {@code ,double} and {@code (big number}: kept as their text. */
    record Scalar(char type, String text) implements RespValue {
    }

    /** {@code *} array, {@code ~} set, {@code >} push. */
    record Aggregate(char type, List<RespValue> elements) implements RespValue {
    }

    /** {@code %} map: keys and values alternating. */
    record MapValue(List<RespValue> keysAndValues) implements RespValue {
    }

    /** A value preceded by a RESP3 attribute ({@code |}), keys and values alternating. */
    record Attributed(List<RespValue> attributes, RespValue value) implements RespValue {
    }
}
