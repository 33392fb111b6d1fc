package io.cloakmesh.node.transport;

import io.netty.channel.ChannelOption;
import java.util.function.BiConsumer;

/**
 * The options every socket of a tunnel gets. Nagle is always off: a tunnel forwards what it reads at
 * once, and a delayed small packet costs a Redis round trip 40 ms.
 */
public record SocketOptions(boolean keepAlive) {
    /** What listeners and dialers use unless told otherwise (spiped's default: keep-alive on). */
    public static final SocketOptions DEFAULT = new SocketOptions(true);

    /** Gives these options to {@code set}, a Netty bootstrap's option (or child option) setter. */
    @SuppressWarnings("unchecked")
    public void applyTo(BiConsumer<ChannelOption<Object>, Object> set) {
        set.accept((ChannelOption<Object>) (ChannelOption<?>) ChannelOption.TCP_NODELAY, true);
        set.accept((ChannelOption<Object>) (ChannelOption<?>) ChannelOption.SO_KEEPALIVE, keepAlive);
    }
}
