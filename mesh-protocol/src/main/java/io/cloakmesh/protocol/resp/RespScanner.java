package io.cloakmesh.protocol.resp;

import java.nio.ByteBuffer;

/**
 * Finds where each top-level RESP2/RESP3 value ends in a byte stream, incrementally, without gathering
 * it: a bulk string's body is counted past, not copied, so a 500 MB value costs no memory. What it keeps
 * is a counter per open aggregate and the line being read, all bounded by {@link RespLimits}; a header
 * past a bound fails as soon as its digits show it, before anything of the declared size exists.
 *
 * <p>One scanner per direction of one connection. For requests ({@link Direction#REQUESTS}) a line that
 * does not start with {@code *} is an inline command, as Redis reads it. Attributes ({@code |}) belong to
 * the value that follows them. Streamed strings and aggregates ({@code $?}, {@code *?}) are refused:
 * Redis does not send them.
 */
public final class RespScanner {

    /** Which side of the protocol the bytes come from. */
    public enum Direction {
        REQUESTS,
        REPLIES
    }

    private enum Phase {
        TYPE,
        LINE,
        HEADER,
        BODY,
        BODY_CR,
        BODY_LF,
        INLINE
    }

    private final RespLimits limits;
    private final Direction direction;
    /** Elements still expected by each open aggregate, innermost last; [0] is unused. */
    private final long[] remaining;
    /** Whether each open aggregate is an attribute, which does not count as an element of its parent. */
    private final boolean[] attribute;
    private int depth;
    private Phase phase = Phase.TYPE;
    private byte type;
    private byte frameType;
    private int lineLength;
    private boolean sawCr;
    private long number;
    /** Whether the header being read is a bulk string's, and the largest number it may carry. */
    private boolean bulk;
    private long headerLimit;
    private boolean negative;
    private boolean digits;
    private long bodyLeft;

    public RespScanner(RespLimits limits, Direction direction) {
        this.limits = limits;
        this.direction = direction;
        this.remaining = new long[limits.maxDepth() + 1];
        this.attribute = new boolean[limits.maxDepth() + 1];
    }

    /**
     * Reads from {@code bytes} (advancing its position) until a top-level value ends, and returns true
     * with the position just past it; returns false once every byte was read without one ending.
     */
    public boolean advance(ByteBuffer bytes) throws RespProtocolException {
        while (bytes.hasRemaining()) {
            switch (phase) {
                case TYPE -> {
                    if (startValue(bytes.get())) {
                        return true;
                    }
                }
                case LINE, HEADER, INLINE -> {
                    // To the line's end (or the read's) without going round this switch for every byte.
                    Phase reading = phase;
                    do {
                        if (line(bytes.get())) {
                            return true;
                        }
                    } while (phase == reading && bytes.hasRemaining());
                }
                case BODY -> {
                    int skip = (int) Math.min(bodyLeft, bytes.remaining());
                    bytes.position(bytes.position() + skip);
                    bodyLeft -= skip;
                    if (bodyLeft == 0) {
                        phase = Phase.BODY_CR;
                    }
                }
                case BODY_CR -> {
                    expect(bytes.get(), '\r', "a bulk string is longer than its header says");
                    phase = Phase.BODY_LF;
                }
                case BODY_LF -> {
                    expect(bytes.get(), '\n', "a bulk string is not followed by CRLF");
                    if (valueEnded()) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** The type byte of the top-level value last started ('*', '$', '+', ...; 'i' for an inline command). */
    public char frameType() {
        return (char) frameType;
    }

    /** True between values: no partial value is held. */
    public boolean atBoundary() {
        return phase == Phase.TYPE && depth == 0;
    }

    /** The first byte of a value; true if it already ended the top-level value (an empty inline line). */
    private boolean startValue(byte b) throws RespProtocolException {
        type = b;
        lineLength = 0;
        sawCr = false;
        if (depth == 0) {
            frameType = b;
        }
        switch (b) {
            case '$', '!', '=', '*', '%', '~', '>', '|' -> {
                number = 0;
                negative = false;
                digits = false;
                bulk = b == '$' || b == '!' || b == '=';
                // Maps and attributes count pairs: the limit is on their elements.
                headerLimit = bulk ? limits.maxBulkLength() : b == '%' || b == '|' ? limits.maxAggregateLength() / 2
                        : limits.maxAggregateLength();
                phase = Phase.HEADER;
            }
            case '+', '-', ':', ',', '(', '#', '_' -> phase = Phase.LINE;
            default -> {
                if (direction == Direction.REQUESTS && depth == 0) {
                    frameType = 'i';
                    phase = Phase.INLINE;
                    return line(b);
                }
                throw new RespProtocolException("not RESP: unexpected byte 0x" + Integer.toHexString(b & 0xff)
                        + " where a value starts");
            }
        }
        return false;
    }

    /** One byte of a line; true if it ended the top-level value. */
    private boolean line(byte b) throws RespProtocolException {
        if (b == '\n') {
            if (!sawCr && phase != Phase.INLINE) {
                throw new RespProtocolException("not RESP: LF without CR in a line");
            }
            return lineEnded();
        }
        if (sawCr) {
            throw new RespProtocolException("not RESP: CR without LF in a line");
        }
        if (b == '\r') {
            sawCr = true;
            return false;
        }
        if (++lineLength > limits.maxLineLength()) {
            throw new RespProtocolException("a line is longer than " + limits.maxLineLength() + " bytes");
        }
        if (phase == Phase.HEADER) {
            headerDigit(b);
        }
        return false;
    }

    private void headerDigit(byte b) throws RespProtocolException {
        if (b == '-' && !digits && !negative) {
            negative = true;
            return;
        }
        if (b == '?') {
            throw new RespProtocolException("streamed RESP3 values are not supported");
        }
        if (b < '0' || b > '9') {
            throw new RespProtocolException("not RESP: a length or count that is not a number");
        }
        digits = true;
        number = number * 10 + (b - '0');
        if (number > headerLimit) {
            throw bulk ? new RespProtocolException("a bulk string declares more than " + limits.maxBulkLength() + " bytes")
                    : new RespProtocolException("an aggregate declares more than " + limits.maxAggregateLength() + " elements");
        }
    }

    private boolean lineEnded() throws RespProtocolException {
        if (phase != Phase.HEADER) {
            if (type == '_' && lineLength != 0) {
                throw new RespProtocolException("not RESP: a null with content");
            }
            return valueEnded();
        }
        if (!digits) {
            throw new RespProtocolException("not RESP: a header without a length or count");
        }
        if (negative) {
            if (number != 1 || !(type == '$' || type == '*')) {
                throw new RespProtocolException("not RESP: a negative length or count other than the RESP2 null -1");
            }
            return valueEnded();
        }
        return switch (type) {
            case '$', '!', '=' -> {
                bodyLeft = number;
                phase = number == 0 ? Phase.BODY_CR : Phase.BODY;
                yield false;
            }
            default -> openAggregate(type == '%' || type == '|' ? number * 2 : number, type == '|');
        };
    }

    private boolean openAggregate(long elements, boolean isAttribute) throws RespProtocolException {
        if (elements == 0) {
            if (isAttribute) {
                phase = Phase.TYPE;
                return false;
            }
            return valueEnded();
        }
        if (depth == limits.maxDepth()) {
            throw new RespProtocolException("aggregates nest deeper than " + limits.maxDepth() + " levels");
        }
        depth++;
        remaining[depth] = elements;
        attribute[depth] = isAttribute;
        phase = Phase.TYPE;
        return false;
    }

    /** A value ended: count it in its aggregate; true if that ended the top-level value. */
    private boolean valueEnded() {
        phase = Phase.TYPE;
        while (depth > 0) {
            if (--remaining[depth] > 0) {
                return false;
            }
            boolean wasAttribute = attribute[depth];
            depth--;
            if (wasAttribute) {
                return false;  // the value the attribute describes is still to come
            }
        }
        return true;
    }

    private static void expect(byte b, char wanted, String otherwise) throws RespProtocolException {
        if (b != wanted) {
            throw new RespProtocolException("not RESP: " + otherwise);
        }
    }
}
