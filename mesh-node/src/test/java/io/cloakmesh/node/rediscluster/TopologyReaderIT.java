package io.cloakmesh.node.rediscluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloakmesh.node.config.HostPort;
import io.cloakmesh.node.testing.Poll;
import io.cloakmesh.node.testing.RedisClusterFixture;
import io.cloakmesh.protocol.rediscluster.RedisNode;
import io.cloakmesh.protocol.rediscluster.RedisTopology;
import io.cloakmesh.protocol.rediscluster.Shard;
import io.cloakmesh.protocol.rediscluster.SlotRange;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/** Reading a real Redis Cluster's topology from its seeds, as an exporting node does. */
class TopologyReaderIT extends RealRedisCluster {

    private static HostPort seed(int port) {
        return new HostPort(RedisClusterFixture.HOST, port);
    }

    private static RedisTopology read(Optional<io.cloakmesh.node.config.RedisCredentials> credentials, HostPort... seeds) throws Exception {
        return new TopologyReader(system, Duration.ofSeconds(5), credentials, Optional.empty()).read(List.of(seeds))
                .toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @Test
    void readsEveryShardFromTheFirstSeedThatAnswers() throws Exception {
        int dead = Poll.freePort();
        // Redis may still be settling a failover another test made: read until it has.
        java.util.concurrent.atomic.AtomicReference<RedisTopology> last = new java.util.concurrent.atomic.AtomicReference<>();
        Poll.until(Duration.ofSeconds(30), "a settled topology read past a dead seed", () -> {
            try {
                last.set(read(Optional.empty(), new HostPort("127.0.0.1", dead), seed(cluster.ports.get(2))));
                return settled(last.get());
            } catch (Exception e) {
                return false;
            }
        });
        RedisTopology topology = last.get();
        assertEquals(3, topology.shards().size(), topology.toString());
        Set<Integer> ports = new TreeSet<>();
        for (RedisNode node : topology.nodes()) {
            assertEquals(RedisClusterFixture.HOST, node.ip());
            assertEquals(40, node.id().length());
            // A replica reads "loading" until its replication offset moves past 0 (Redis's rule), so not "fail".
            assertTrue(Set.of("online", "loading").contains(node.health()), node.toString());
            ports.add(node.port());
        }
        assertEquals(new TreeSet<>(cluster.ports), ports);
        int slots = 0;
        for (Shard shard : topology.shards()) {
            assertEquals(1, shard.nodes().stream().filter(RedisNode::primary).count(), shard.toString());
            assertEquals(2, shard.nodes().size(), shard.toString());
            for (SlotRange r : shard.slots()) {
                slots += r.end() - r.start() + 1;
            }
        }
        assertEquals(16384, slots);
        for (int slot : new int[] {0, 8000, 16383}) {
            assertTrue(topology.primaryFor(slot).isPresent(), "slot " + slot);
        }
    }

    @Test
    void aFailoverShowsInTheNextRead() throws Exception {
        RedisTopology before = read(Optional.empty(), seed(cluster.ports.get(0)));
        RedisNode replica = before.nodes().stream().filter(n -> !n.primary()).findFirst().orElseThrow();
        try (Jedis jedis = new Jedis(RedisClusterFixture.HOST, replica.port())) {
            assertEquals("OK", jedis.clusterFailover());
        }
        Poll.until(Duration.ofSeconds(30), "the replica promoted, its old primary now its replica", () -> {
            try {
                RedisTopology after = read(Optional.empty(), seed(cluster.ports.get(0)));
                return after.node(replica.id()).orElseThrow().primary() && settled(after);
            } catch (Exception e) {
                return false;
            }
        });
    }

    /** Three shards of a primary and a replica each: no failover under way (the other tests expect it). */
    private static boolean settled(RedisTopology topology) {
        return topology.shards().size() == 3 && topology.shards().stream().allMatch(s -> s.nodes().size() == 2);
    }

    @Test
    void authenticatesWhenGivenCredentialsAndSaysWhyNot() throws Exception {
        for (int port : cluster.ports) {
            try (Jedis jedis = new Jedis(RedisClusterFixture.HOST, port)) {
                jedis.aclSetUser("mesh", "on", ">mesh-secret", "~*", "+@all");
            }
        }
        // As in the shard test, Redis may still be settling the failover another test made: read until it has.
        java.util.concurrent.atomic.AtomicReference<RedisTopology> last = new java.util.concurrent.atomic.AtomicReference<>();
        Poll.until(Duration.ofSeconds(30), "a settled topology read with credentials", () -> {
            try {
                last.set(read(Optional.of(new io.cloakmesh.node.config.RedisCredentials("mesh", "mesh-secret")),
                        seed(cluster.ports.get(1))));
                return settled(last.get());
            } catch (Exception e) {
                return false;
            }
        });
        RedisTopology topology = last.get();
        assertEquals(6, topology.nodes().size());
        ExecutionException refused = assertThrows(ExecutionException.class, () -> read(
                Optional.of(new io.cloakmesh.node.config.RedisCredentials("mesh", "wrong")), seed(cluster.ports.get(1))));
        assertTrue(refused.getCause().getMessage().contains("AUTH refused"), refused.getCause().getMessage());
        assertTrue(!refused.getCause().getMessage().contains("wrong"), "the password is not in the message");
    }

    @Test
    void noSeedAnsweringIsAnErrorNamingEachSeed() {
        int a = Poll.freePort();
        int b = Poll.freePort();
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> read(Optional.empty(), new HostPort("127.0.0.1", a), new HostPort("127.0.0.1", b)));
        String message = e.getCause().getMessage();
        assertTrue(message.contains("127.0.0.1:" + a) && message.contains("127.0.0.1:" + b), message);
    }
}
