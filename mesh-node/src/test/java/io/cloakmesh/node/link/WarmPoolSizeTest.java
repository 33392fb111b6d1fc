package io.cloakmesh.node.link;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The warm pool's size follows the open rate and the handshake's duration, within its bounds. */
class WarmPoolSizeTest {
    private static final long MS = 1_000_000L;

    @Test
    void withoutOpensOrHandshakesThePoolHoldsWarmLinks() {
        WarmPoolSize size = new WarmPoolSize(2, 16);
        assertEquals(2, size.target(0));
        size.handshake(60 * MS);
        assertEquals(2, size.target(0));
    }

    @Test
    void clientsOpeningBackToBackAcrossAWanGrowThePoolToTwiceWhatOneHandshakeTakes() {
        WarmPoolSize size = new WarmPoolSize(2, 16);
        size.handshake(60 * MS);  // three round trips of 20 ms
        long now = 0;
        for (int i = 0; i < 20; i++) {
            size.opened(now);
            now += 25 * MS;  // one open about every round trip
        }
        // 2.4 opens arrive while one replacement makes its handshake; twice that for bursts.
        assertEquals(5, size.target(now - 25 * MS));
    }

    @Test
    void theGrowthIsBoundedByWarmLinksMax() {
        WarmPoolSize size = new WarmPoolSize(2, 4);
        size.handshake(100 * MS);
        openEvery(size, MS, 100 * MS);
        assertEquals(4, size.target(100 * MS));
    }

    @Test
    void whenOpensStopThePoolShrinksBackToWarmLinks() {
        WarmPoolSize size = afterOpens(60 * MS, 25 * MS, 500 * MS);
        assertEquals(5, size.target(475 * MS));
        assertEquals(2, size.target(1_400 * MS));
    }

    @Test
    void slowOpensOnAFastNetworkNeedNoMoreThanWarmLinks() {
        assertEquals(2, afterOpens(2 * MS, 100 * MS, 1_000 * MS).target(1_000 * MS));
    }

    /** A pool of 2 to 16 after handshakes of {@code handshake} and an open every {@code interval} until {@code until}. */
    private static WarmPoolSize afterOpens(long handshake, long interval, long until) {
        WarmPoolSize size = new WarmPoolSize(2, 16);
        size.handshake(handshake);
        openEvery(size, interval, until);
        return size;
    }

    private static void openEvery(WarmPoolSize size, long interval, long until) {
        for (long now = 0; now < until; now += interval) {
            size.opened(now);
        }
    }
}
