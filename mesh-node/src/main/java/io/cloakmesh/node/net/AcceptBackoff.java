package io.cloakmesh.node.net;

/**
 * How long a listener stops accepting while descriptors are short or accepting fails: 50 ms at first,
 * doubling up to 1 s while the cause lasts, back to 50 ms once it accepts again. One per listener, used
 * from its own thread (the listener's stage, or the gate's event loop).
 */
final class AcceptBackoff {
    private static final long FIRST_MS = 50;
    private static final long MAX_MS = 1_000;

    private long nextMs = FIRST_MS;

    /** The next pause, in milliseconds; the one after is longer. */
    long next() {
        long pause = nextMs;
        nextMs = Math.min(MAX_MS, nextMs * 2);
        return pause;
    }

    /** The listener accepted again. */
    void reset() {
        nextMs = FIRST_MS;
    }
}
