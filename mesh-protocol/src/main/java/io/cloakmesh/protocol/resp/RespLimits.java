package io.cloakmesh.protocol.resp;

/**
 * Bounds on what a peer may declare, checked as headers arrive, before anything is allocated: a bulk
 * string's length, an aggregate's element count, how deep aggregates nest, and a line's length
 * (simple strings, errors, numbers and inline commands).
 */
public record RespLimits(long maxBulkLength, long maxAggregateLength, int maxDepth, int maxLineLength) {

    /** Redis's own bounds: proto-max-bulk-len 512 MB, 64 KiB inline commands; 64 levels of nesting. */
    public static final RespLimits DEFAULTS = new RespLimits(512L * 1024 * 1024, 16L * 1024 * 1024, 64, 64 * 1024);

    public RespLimits {
        if (maxBulkLength < 0 || maxAggregateLength < 0 || maxDepth < 1 || maxLineLength < 16) {
            throw new IllegalArgumentException("RESP limits out of range: " + this);
        }
    }
}
