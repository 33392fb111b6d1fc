package io.cloakmesh.node.net;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class HandshakeBudgetTest {
    private final List<String> closed = new ArrayList<>();
    private final AtomicInteger evictions = new AtomicInteger();
    private final HandshakeBudget budget = new HandshakeBudget("test", 3, evictions::incrementAndGet);

    private HandshakeBudget.Pending admit(String address, String name) throws Exception {
        return budget.admit(InetAddress.getByName(address), () -> closed.add(name));
    }

    @Test
    void fromOneAddressTheOldestIsClosedFirst() throws Exception {
        for (int i = 0; i < 5; i++) {
            admit("10.0.0.1", "a" + i);
        }
        assertEquals(List.of("a0", "a1"), closed);
        assertEquals(2, evictions.get());
    }

    @Test
    void aFloodFromOneAddressClosesItsOwnConnectionsNotAnotherAddresses() throws Exception {
        admit("10.0.0.9", "real");
        for (int i = 0; i < 100; i++) {
            admit("10.0.0.1", "flood" + i);
        }
        assertEquals(98, closed.size());
        assertEquals(false, closed.contains("real"), closed.toString());
    }

    @Test
    void betweenEquallyBusyAddressesTheLongestWaitingIsClosed() throws Exception {
        admit("10.0.0.1", "a0");
        admit("10.0.0.2", "b0");
        admit("10.0.0.2", "b1");
        admit("10.0.0.1", "a1");
        assertEquals(List.of("a0"), closed, "two each: a0 has waited longest");
    }

    @Test
    void aConnectionThatAuthenticatedLeavesTheBudgetAndIsNeverClosedByIt() throws Exception {
        HandshakeBudget.Pending first = admit("10.0.0.1", "first");
        admit("10.0.0.1", "second");
        first.done();
        first.done();
        admit("10.0.0.1", "third");
        admit("10.0.0.1", "fourth");
        assertEquals(List.of(), closed, "three waiting after first authenticated");
        admit("10.0.0.1", "fifth");
        assertEquals(List.of("second"), closed);
    }
}
