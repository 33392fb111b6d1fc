package io.cloakmesh.node.transport;

/**
 * The options every socket of a tunnel gets. Nagle is always off: a tunnel forwards what it reads at
 * once, and a delayed small packet costs a Redis round trip 40 ms.
 */
public record SocketOptions(boolean keepAlive) {
    /** What listeners and dialers use unless told otherwise (spiped's default: keep-alive on). */
    public static final SocketOptions DEFAULT = new SocketOptions(true);
}
