package io.cloakmesh.node.rediscluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloakmesh.node.testing.RedisClusterFixture;
import io.cloakmesh.protocol.rediscluster.Endpoint;
import io.cloakmesh.protocol.rediscluster.EndpointSource;
import io.cloakmesh.protocol.rediscluster.ReplyRewriteStage;
import io.cloakmesh.protocol.resp.RespLimits;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.protocol.ProtocolVersion;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.stream.javadsl.BidiFlow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Tcp;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisCluster;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.exceptions.JedisMovedDataException;

/**
 * The entry side's reply rewriting against a real 6-node Redis Cluster on 127.0.0.2: each node gets a
 * local endpoint on 127.0.0.1 that relays through {@link ReplyRewriteStage}, and cluster clients given
 * one endpoint (Jedis reads CLUSTER SLOTS, Lettuce CLUSTER NODES) must find the whole cluster through
 * them, in RESP2 and RESP3, seeing no real address.
 */
class ReplyRewriteStageIT extends RealRedisCluster {
    private static final ReplyRewriteStage.Settings SETTINGS = new ReplyRewriteStage.Settings(RespLimits.DEFAULTS,
            16 * 1024 * 1024, 1 << 20, Duration.ofMillis(800));

    /** Connections the relays have accepted. */
    private static final AtomicInteger relayed = new AtomicInteger();
    /** Real port → node id. */
    private static final Map<Integer, String> ids = new ConcurrentHashMap<>();

    @BeforeAll
    static void learnNodeIds() {
        for (int port : cluster.ports) {
            try (Jedis jedis = new Jedis(RedisClusterFixture.HOST, port)) {
                ids.put(port, jedis.clusterMyId());
            }
        }
    }

    /** Local endpoints for every node; {@code withheld} nodes get theirs only when refreshed (if ever). */
    private static final class Endpoints implements EndpointSource {
        final Map<String, Endpoint> endpoints = new ConcurrentHashMap<>();
        final Map<String, Endpoint> withheld = new ConcurrentHashMap<>();
        final boolean refreshGives;
        final AtomicInteger refreshes = new AtomicInteger();

        Endpoints(Set<String> withheldIds, boolean refreshGives) throws Exception {
            this.refreshGives = refreshGives;
            for (int port : cluster.ports) {
                String id = ids.get(port);
                Endpoint endpoint = new Endpoint("127.0.0.1", relay(port, this));
                (withheldIds.contains(id) ? withheld : endpoints).put(id, endpoint);
            }
        }

        @Override
        public Optional<Endpoint> endpointOf(String nodeId) {
            return Optional.ofNullable(endpoints.get(nodeId));
        }

        @Override
        public Optional<String> nodeAt(String host, int port) {
            boolean real = host.equals(RedisClusterFixture.HOST) || host.isEmpty() || host.equals("?");
            return real ? Optional.ofNullable(ids.get(port)) : Optional.empty();
        }

        @Override
        public CompletionStage<?> refresh(String node) {
            refreshes.incrementAndGet();
            if (refreshGives) {
                endpoints.putAll(withheld);
            }
            return CompletableFuture.completedFuture(null);
        }

        Endpoint of(int realPort) {
            String id = ids.get(realPort);
            return endpoints.getOrDefault(id, withheld.get(id));
        }
    }

    /** A local endpoint relaying to the node at {@code realPort} through the stage; returns its port. */
    private static int relay(int realPort, EndpointSource endpoints) throws Exception {
        return Tcp.get(system).bind("127.0.0.1", 0)
                .to(Sink.foreach(connection -> {
                    relayed.incrementAndGet();
                    Endpoint own = new Endpoint("127.0.0.1", connection.localAddress().getPort());
                    connection.handleWith(BidiFlow.fromGraph(new ReplyRewriteStage(SETTINGS, endpoints, own, () -> false))
                            .join(Tcp.get(system).outgoingConnection(RedisClusterFixture.HOST, realPort)), system);
                }))
                .run(system)
                .toCompletableFuture().get()
                .localAddress().getPort();
    }

    @Test
    void jedisClusterClientsFindTheWholeClusterThroughOneEndpointInBothProtocols() throws Exception {
        Endpoints endpoints = new Endpoints(Set.of(), true);
        Endpoint seed = endpoints.of(cluster.ports.get(0));
        for (RedisProtocol protocol : List.of(RedisProtocol.RESP2, RedisProtocol.RESP3)) {
            DefaultJedisClientConfig config = DefaultJedisClientConfig.builder().protocol(protocol).build();
            try (JedisCluster client = new JedisCluster(Set.of(new HostAndPort(seed.host(), seed.port())), config)) {
                for (int i = 0; i < 2000; i++) {
                    client.set("key:" + protocol + ":" + i, "value" + i);
                }
                for (int i = 0; i < 2000; i++) {
                    assertEquals("value" + i, client.get("key:" + protocol + ":" + i));
                }
                Set<String> known = client.getClusterNodes().keySet();
                assertTrue(known.size() >= 3, "the client knows at least the three primaries: " + known);
                assertTrue(known.stream().allMatch(a -> a.startsWith("127.0.0.1:")), protocol + ": " + known);
            }
        }
    }

    @Test
    void lettuceClusterClientsFindTheWholeClusterThroughOneEndpointInBothProtocols() {
        Endpoints endpoints;
        try {
            endpoints = new Endpoints(Set.of(), true);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        Endpoint seed = endpoints.of(cluster.ports.get(1));
        for (ProtocolVersion protocol : List.of(ProtocolVersion.RESP2, ProtocolVersion.RESP3)) {
            RedisClusterClient client = RedisClusterClient.create(RedisURI.create(seed.host(), seed.port()));
            client.setOptions(ClusterClientOptions.builder().protocolVersion(protocol).build());
            try (StatefulRedisClusterConnection<String, String> connection = client.connect()) {
                var sync = connection.sync();
                for (int i = 0; i < 2000; i++) {
                    sync.set("lettuce:" + protocol + ":" + i, "value" + i);
                }
                for (int i = 0; i < 2000; i++) {
                    assertEquals("value" + i, sync.get("lettuce:" + protocol + ":" + i));
                }
                List<String> known = new java.util.ArrayList<>();
                client.getPartitions().forEach(n -> known.add(n.getUri().getHost() + ":" + n.getUri().getPort()));
                assertEquals(cluster.ports.size(), known.size(), protocol + ": " + known);
                assertTrue(known.stream().allMatch(a -> a.startsWith("127.0.0.1:")), protocol + ": " + known);
            } finally {
                client.shutdown();
            }
        }
    }

    @Test
    void redisCliFollowsRedirectsToEndpointsOnly() throws Exception {
        Endpoints endpoints = new Endpoints(Set.of(), true);
        Endpoint seed = endpoints.of(cluster.ports.get(0));
        StringBuilder output = new StringBuilder();
        long receivedBefore = connectionsReceived();
        int relayedBefore = relayed.get();
        for (int i = 0; i < 30; i++) {
            for (List<String> command : List.of(List.of("SET", "cli:" + i, "v" + i), List.of("GET", "cli:" + i))) {
                List<String> argv = new java.util.ArrayList<>(List.of("redis-cli", "-c", "--no-raw", "-h", seed.host(),
                        "-p", Integer.toString(seed.port())));
                argv.addAll(command);
                Process cli = new ProcessBuilder(argv).redirectErrorStream(true).start();
                String out = new String(cli.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertEquals(0, cli.waitFor(), out);
                output.append(out);
                assertTrue(out.trim().endsWith(command.get(0).equals("SET") ? "OK" : "\"v" + i + "\""), command + ": " + out);
            }
        }
        // Every connection the nodes received came through a relay: redis-cli followed no real address.
        // (less the counting connections of the first count, one per node)
        assertEquals(relayed.get() - relayedBefore, connectionsReceived() - receivedBefore - cluster.ports.size(),
                output.toString());
        assertTrue(relayed.get() - relayedBefore > 60, "redirects opened more connections than one per command");
    }

    /** Connections the real nodes have received, all together, not counting the ones this count opens. */
    private static long connectionsReceived() {
        long total = 0;
        for (int port : cluster.ports) {
            try (Jedis jedis = new Jedis(RedisClusterFixture.HOST, port)) {
                String stats = jedis.info("stats");
                total += Long.parseLong(stats.split("total_connections_received:")[1].split("\r\n")[0].trim()) - 1;
            }
        }
        return total;
    }

    @Test
    void topologyRepliesNameNoRealAddressInEitherProtocol() throws Exception {
        Endpoints endpoints = new Endpoints(Set.of(), true);
        Endpoint seed = endpoints.of(cluster.ports.get(0));
        String replicaOf = ids.get(cluster.ports.get(0));
        for (String hello : List.of("", "*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n")) {
            String replies = exchange(seed, hello + command("CLUSTER", "NODES") + command("CLUSTER", "SLOTS")
                    + command("CLUSTER", "SHARDS") + command("CLUSTER", "REPLICAS", replicaOf) + "PING\r\n", "+PONG\r\n");
            assertFalse(replies.contains(RedisClusterFixture.HOST), replies);
            for (int port : cluster.ports) {
                assertFalse(replies.contains(":" + port + "\r\n") || replies.contains(":" + port + "@"), port + " in " + replies);
                Endpoint e = endpoints.of(port);
                assertTrue(replies.contains(e.text() + "@"), "NODES names " + e.text() + ": " + replies);
            }
        }
    }

    @Test
    void topologyCommandsWhoseRepliesCouldNotBeRewrittenAreRefusedInOrder() throws Exception {
        Endpoints endpoints = new Endpoints(Set.of(), true);
        Endpoint seed = endpoints.of(cluster.ports.get(0));
        String inTransaction = exchange(seed, command("MULTI") + command("CLUSTER", "NODES") + command("EXEC")
                + command("CLUSTER", "SLOTS") + "PING\r\n", "+PONG\r\n");
        assertTrue(inTransaction.startsWith("+OK\r\n-ERR cloakmesh refuses CLUSTER NODES inside MULTI"), inTransaction);
        assertTrue(inTransaction.contains("-EXECABORT"), inTransaction);
        assertTrue(inTransaction.contains("*3\r\n*"), "SLOTS after EXEC is served (rewritten): " + inTransaction);
        String afterSubscribe = exchange(seed, command("SUBSCRIBE", "ch") + command("UNSUBSCRIBE") + command("CLUSTER", "NODES")
                + command("RESET"), "+RESET\r\n");
        assertTrue(afterSubscribe.contains("-ERR cloakmesh refuses CLUSTER NODES"), afterSubscribe);
        for (String replies : List.of(inTransaction, afterSubscribe)) {
            assertFalse(replies.contains(RedisClusterFixture.HOST), replies);
        }
    }

    @Test
    void commandsThatNameNodeAddressesAreRefusedAndTheConnectionGoesOn() throws Exception {
        Endpoints endpoints = new Endpoints(Set.of(), true);
        Endpoint seed = endpoints.of(cluster.ports.get(0));
        Endpoint other = endpoints.of(cluster.ports.get(1));
        String replies = exchange(seed, command("CLUSTER", "MEET", other.host(), Integer.toString(other.port()))
                + command("MIGRATE", other.host(), Integer.toString(other.port()), "k", "0", "1000")
                + command("REPLICAOF", other.host(), Integer.toString(other.port()))
                + command("CLIENT", "KILL", "ADDR", other.text()) + "PING\r\n", "+PONG\r\n");
        for (String refused : List.of("CLUSTER MEET", "MIGRATE", "REPLICAOF", "CLIENT KILL")) {
            assertTrue(replies.contains("-ERR cloakmesh refuses " + refused + ": it names node addresses"), replies);
        }
        assertEquals(5, replies.split("\r\n").length, "four refusals and PONG: " + replies);
        try (Jedis jedis = new Jedis(RedisClusterFixture.HOST, cluster.ports.get(0))) {
            assertEquals(cluster.ports.size(), jedis.clusterNodes().split("\n").length, "no node was met");
            assertTrue(jedis.info("replication").contains("role:master"), "the node still a primary");
        }
    }

    @Test
    void aMovedToANodeWithoutAnEndpointWaitsForTheRefreshThatGivesItOne() throws Exception {
        int first = cluster.ports.get(0);
        String slotOwnerElsewhere = keyNotServedBy(first);
        Set<String> others = new java.util.HashSet<>(ids.values());
        others.remove(ids.get(first));
        Endpoints endpoints = new Endpoints(others, true);
        try (Jedis plain = new Jedis(endpoints.of(first).host(), endpoints.of(first).port())) {
            JedisMovedDataException moved = assertThrows(JedisMovedDataException.class, () -> plain.get(slotOwnerElsewhere));
            assertEquals("127.0.0.1", moved.getTargetNode().getHost());
            assertTrue(endpoints.refreshes.get() >= 1, "the unmapped node made the entry refresh");
            assertEquals(endpoints.endpoints.values().stream().filter(e -> e.port() == moved.getTargetNode().getPort())
                    .count(), 1L, "the MOVED names an endpoint: " + moved.getMessage());
        }
        Endpoints never = new Endpoints(others, false);
        try (Jedis plain = new Jedis(never.of(first).host(), never.of(first).port())) {
            redis.clients.jedis.exceptions.JedisDataException refused = assertThrows(
                    redis.clients.jedis.exceptions.JedisDataException.class, () -> plain.get(slotOwnerElsewhere));
            assertTrue(refused.getMessage().startsWith("TRYAGAIN cloakmesh has no endpoint"), refused.getMessage());
            assertFalse(refused.getMessage().contains(RedisClusterFixture.HOST + ":"), refused.getMessage());
            assertEquals("PONG", plain.ping(), "the connection goes on after the refusal");
        }
    }

    /** A key whose slot the node at {@code port} does not serve. */
    private static String keyNotServedBy(int port) {
        try (Jedis jedis = new Jedis(RedisClusterFixture.HOST, port)) {
            for (int i = 0; ; i++) {
                String key = "probe:" + i;
                try {
                    jedis.get(key);
                } catch (JedisMovedDataException moved) {
                    return key;
                }
            }
        }
    }

    private static String command(String... words) {
        StringBuilder frame = new StringBuilder("*").append(words.length).append("\r\n");
        for (String w : words) {
            frame.append('$').append(w.length()).append("\r\n").append(w).append("\r\n");
        }
        return frame.toString();
    }

    /** Sends {@code requests} at once and reads until the replies end with {@code last}. */
    private static String exchange(Endpoint endpoint, String requests, String last) throws Exception {
        try (Socket socket = new Socket(endpoint.host(), endpoint.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(requests.getBytes(StandardCharsets.ISO_8859_1));
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            while (!got.toString(StandardCharsets.ISO_8859_1).endsWith(last)) {
                int n = in.read(buf);
                if (n < 0) {
                    break;
                }
                got.write(buf, 0, n);
            }
            return got.toString(StandardCharsets.ISO_8859_1);
        }
    }
}
