package io.cloakmesh.protocol.link;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class HedgeDelayTest {
    private static void record(HedgeDelay delay, int times, Duration each) {
        for (int i = 0; i < times; i++) {
            delay.record(each.toNanos());
        }
    }

    @Test
    void theDelayIsTheP99OfRecentOpensPlusHalfWithinItsBounds() {
        HedgeDelay delay = new HedgeDelay(Duration.ofMillis(1), Duration.ofSeconds(2));
        assertEquals(Duration.ofSeconds(2), delay.delay(), "before any open: the upper bound");
        record(delay, 1, Duration.ofMillis(10));
        assertEquals(Duration.ofMillis(15), delay.delay(), "learnt from the first opens");
        record(delay, 207, Duration.ofMillis(10));
        assertEquals(Duration.ofMillis(15), delay.delay());
        // 16 slow opens among 224: more than 1 %, so the p99 is slow.
        record(delay, 16, Duration.ofMillis(400));
        assertEquals(Duration.ofMillis(600), delay.delay());
        record(delay, 16, Duration.ofSeconds(3));
        assertEquals(Duration.ofSeconds(2), delay.delay(), "bounded above");
        // The window holds the last 256: 256 fast opens push every slow one out.
        record(delay, 256, Duration.ofMillis(10));
        assertEquals(Duration.ofMillis(15), delay.delay());
    }

    @Test
    void aFastMeshHedgesNoSoonerThanTheLowerBoundAndTheMargin() {
        HedgeDelay bounded = new HedgeDelay(Duration.ofMillis(20), Duration.ofSeconds(2));
        record(bounded, 32, Duration.ofMillis(1));
        assertEquals(Duration.ofMillis(20), bounded.delay());
        HedgeDelay margin = new HedgeDelay(Duration.ofNanos(1), Duration.ofSeconds(2));
        record(margin, 32, Duration.ofMillis(1));
        assertEquals(Duration.ofMillis(3), margin.delay(), "at least 2 ms over the p99");
    }
}
