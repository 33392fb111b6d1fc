package io.cloakmesh.protocol.rediscluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class EndpointAllocatorTest {
    private final AtomicLong now = new AtomicLong();

    private EndpointAllocator allocator(int first, int last) {
        return new EndpointAllocator("127.0.0.1", first, last, Duration.ofSeconds(60), now::get);
    }

    private static List<String> ids(int n) {
        return java.util.stream.IntStream.range(0, n).mapToObj(i -> String.format("%040x", i * 7919L)).toList();
    }

    @Test
    void everyNodeGetsItsOwnPortAndKeepsItAcrossRefreshes() {
        EndpointAllocator ports = allocator(30000, 30099);
        List<String> nodes = ids(6);
        Map<String, Endpoint> first = ports.update(nodes).endpoints();
        assertEquals(6, new HashSet<>(first.values()).size(), "distinct ports: " + first);
        first.values().forEach(e -> assertTrue(e.port() >= 30000 && e.port() <= 30099, e.text()));
        assertEquals(first, ports.update(List.of(nodes.get(5), nodes.get(0), nodes.get(3), nodes.get(1), nodes.get(4),
                nodes.get(2))).endpoints(), "the same nodes in another order keep their ports");
    }

    @Test
    void aRestartedEntryGivesTheSameNodesTheSamePorts() {
        List<String> nodes = ids(12);
        assertEquals(allocator(30000, 30015).update(nodes).endpoints(), allocator(30000, 30015).update(nodes).endpoints());
    }

    @Test
    void aDepartedNodeKeepsItsPortForTheGracePeriodOnly() {
        EndpointAllocator ports = allocator(30000, 30001);
        List<String> nodes = ids(3);
        ports.update(nodes.subList(0, 2));
        Endpoint gone = ports.endpointOf(nodes.get(0)).orElseThrow();
        EndpointAllocator.Allocation during = ports.update(List.of(nodes.get(1), nodes.get(2)));
        assertEquals(List.of(nodes.get(2)), during.unallocated(), "the leaver's port is still reserved");
        assertEquals(Optional.of(gone), ports.endpointOf(nodes.get(0)));
        now.addAndGet(Duration.ofSeconds(61).toNanos());
        EndpointAllocator.Allocation after = ports.update(List.of(nodes.get(1), nodes.get(2)));
        assertEquals(List.of(), after.unallocated());
        assertEquals(Optional.empty(), ports.endpointOf(nodes.get(0)));
        assertEquals(gone, ports.endpointOf(nodes.get(2)).orElseThrow(), "the freed port goes to the new node");
    }

    @Test
    void aNodeThatComesBackWithinTheGraceKeepsItsPort() {
        EndpointAllocator ports = allocator(30000, 30009);
        List<String> nodes = ids(2);
        ports.update(nodes);
        Endpoint before = ports.endpointOf(nodes.get(0)).orElseThrow();
        ports.update(nodes.subList(1, 2));
        now.addAndGet(Duration.ofSeconds(30).toNanos());
        ports.update(nodes);
        now.addAndGet(Duration.ofSeconds(60).toNanos());
        assertEquals(before, ports.update(nodes).endpoints().get(nodes.get(0)));
    }

    @Test
    void aFullRangeLeavesNodesWithoutAPortNeverWithAnothersPort() {
        EndpointAllocator ports = allocator(30000, 30003);
        EndpointAllocator.Allocation allocation = ports.update(ids(6));
        assertEquals(4, allocation.endpoints().size());
        assertEquals(4, new HashSet<>(allocation.endpoints().values()).size());
        assertEquals(2, allocation.unallocated().size());
        allocation.unallocated().forEach(id -> assertEquals(Optional.empty(), ports.endpointOf(id)));
        assertThrows(IllegalArgumentException.class, () -> allocator(30010, 30000));
    }
}
