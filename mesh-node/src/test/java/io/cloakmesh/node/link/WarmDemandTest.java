package io.cloakmesh.node.link;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class WarmDemandTest {
    private static final long MS = 1_000_000L;
    private static final Duration WARM_IDLE = Duration.ofSeconds(30);

    @Test
    void withoutOpensThePoolIsTheSetting() {
        WarmDemand demand = demand(2, 70);
        assertEquals(2, demand.target(0));
    }

    /** The WAN bench's case: an open every 31 ms, a replacement ready 70 ms after its dial (20 ms round trip). */
    @Test
    void backToBackOpensGrowThePoolToTwiceWhatArrivesDuringAReplacement() {
        WarmDemand demand = demand(2, 70);
        long t = 0;
        for (int i = 0; i < 33; i++, t += 31 * MS) {
            demand.asked(t);
        }
        // 33 opens within a second, times 0.07 s = 2.31 in flight, twice that rounded up.
        assertEquals(5, demand.target(t));
        assertEquals(5, demand.target(t + WARM_IDLE.toNanos() - 1100 * MS), "a peak is kept for a warm-idle");
        assertEquals(2, demand.target(t + WARM_IDLE.toNanos() + MS), "then forgotten");
    }

    @Test
    void thePeakIsTheBusiestWindowNotTheAverage() {
        WarmDemand demand = demand(2, 100);
        long t = 0;
        for (int i = 0; i < 10; i++, t += 900 * MS) {
            demand.asked(t);  // one open every 0.9 s: at most 2 in a window
        }
        assertEquals(2, demand.target(t));
        for (int i = 0; i < 20; i++) {
            demand.asked(t + i * 10 * MS);  // then 20 within 0.2 s
        }
        assertEquals(4, demand.target(t + 300 * MS), "20 in one window, 2 in flight");
    }

    @Test
    void growthIsBounded() {
        WarmDemand demand = demand(2, 100);
        for (int i = 0; i < 1000; i++) {
            demand.asked(i * MS);
        }
        assertEquals(2 * WarmDemand.MAX_GROWTH, demand.target(1000 * MS));
        WarmDemand large = demand(20, 100);
        for (int i = 0; i < 2000; i++) {
            large.asked(i * MS / 2);
        }
        assertEquals(WarmDemand.MAX_POOL, large.target(1000 * MS));
    }

    @Test
    void theDialTimeFollowsRecentDials() {
        WarmDemand demand = new WarmDemand(1, WARM_IDLE);
        for (int i = 0; i < 10; i++) {
            demand.asked(i * 100 * MS);
        }
        demand.ready(100 * MS);
        assertEquals(2, demand.target(1000 * MS), "10 opens a second, 0.1 s each: 1 in flight, 2 wanted");
        for (int i = 0; i < 20; i++) {
            demand.ready(400 * MS);
        }
        assertEquals(8, demand.target(1000 * MS), "slower dials: 4 in flight, at most 8 times the setting");
    }

    /** A demand whose links took {@code readyMs} from dial to ready. */
    private static WarmDemand demand(int warmLinks, long readyMs) {
        WarmDemand demand = new WarmDemand(warmLinks, WARM_IDLE);
        demand.ready(readyMs * MS);
        return demand;
    }
}
