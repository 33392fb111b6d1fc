package io.cloakmesh.node.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloakmesh.node.filter.RawRedis;
import io.cloakmesh.node.testing.Poll;
import io.cloakmesh.node.testing.RedisClusterFixture;
import io.cloakmesh.protocol.resp.RespValue;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.protocol.ProtocolVersion;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisCluster;
import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.Response;
import redis.clients.jedis.Transaction;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * A real 6-node Redis Cluster on 127.0.0.2, exported as service "rc" by b1 and b2 (dc-b) and
 * imported by a1 and a2 (dc-a), each node a JVM of its own: cluster clients given only an entry's seed
 * endpoint must do all their work through the mesh and never learn a real node address.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RedisClusterMeshIT {
    private static final Pattern ADDRESS = Pattern.compile("(\\d+\\.\\d+\\.\\d+\\.\\d+)[:@ ](\\d+)");
    private RedisClusterFixture cluster;
    private TestMesh mesh;
    /** Seed endpoint port and first node port of each entry. */
    private final Map<String, int[]> entries = new TreeMap<>();
    /** a1's seed endpoint of "rcs": the same cluster, exported by b1 and b2 with allow-scripts = true. */
    private int rcsSeed;

    @BeforeAll
    void start() throws Exception {
        cluster = RedisClusterFixture.start(3);
        int base = 12000 + (int) (ProcessHandle.current().pid() % 40) * 100;
        entries.put("a1", new int[] {Poll.freePort(), base});
        entries.put("a2", new int[] {Poll.freePort(), base + 50});
        rcsSeed = Poll.freePort();
        String seeds = "\"" + RedisClusterFixture.HOST + ":" + cluster.ports.get(0) + "\", \"" + RedisClusterFixture.HOST
                + ":" + cluster.ports.get(3) + "\"";
        mesh = new TestMesh("cloakmesh-cluster-it", false, node -> {
            if (node.linkPort != 0) {
                // A filter that lets everything pass, until the rule table puts its rules in force.
                return "  exports.rc { kind = redis-cluster, seeds = [" + seeds + "], refresh-interval = 1s, "
                        + "filter { mode = compat } }\n"
                        + "  exports.rcs { kind = redis-cluster, seeds = [" + seeds + "], allow-scripts = true }\n";
            }
            int[] ports = entries.get(node.name);
            String scripts = !node.name.equals("a1") ? "" : "  imports.rcs { kind = redis-cluster, listen = \"127.0.0.1:"
                    + rcsSeed + "\", datacenter = dc-b, node-ports = \"" + (base + 100) + "-" + (base + 149) + "\" }\n";
            return "  imports.rc { kind = redis-cluster, listen = \"127.0.0.1:" + ports[0] + "\", datacenter = dc-b,"
                    + " node-ports = \"" + ports[1] + "-" + (ports[1] + 49) + "\", unmapped-wait = 5s }\n" + scripts;
        });
        for (String entry : entries.keySet()) {
            Poll.until(TestMesh.CONVERGE, entry + " giving every node of the cluster an endpoint", () -> endpointsShown(entry) == 6);
        }
    }

    @AfterAll
    void stop() throws Exception {
        if (mesh != null) {
            mesh.close();
        }
        cluster.close();
    }

    private int seed(String entry) {
        return entries.get(entry)[0];
    }

    private boolean isEndpointOf(String entry, String host, int port) {
        int first = entries.get(entry)[1];
        return host.equals("127.0.0.1") && port >= first && port < first + 50;
    }

    /** Nodes CLUSTER NODES names through the entry's seed endpoint, when all are its endpoints; else -1. */
    private int endpointsShown(String entry) {
        try (Jedis jedis = new Jedis("127.0.0.1", seed(entry))) {
            String nodes = jedis.clusterNodes();
            List<String> lines = nodes.lines().toList();
            for (String line : lines) {
                String[] address = line.split(" ")[1].split("[:@]");
                if (!isEndpointOf(entry, address[0], Integer.parseInt(address[1]))) {
                    return -1;
                }
            }
            return lines.size();
        } catch (RuntimeException e) {
            return -1;
        }
    }

    /**
     * {@code reply} names no real node: neither the cluster's host nor any real node's port appears in
     * it, and it names this entry's endpoints.
     */
    private void assertOnlyEndpoints(String entry, String what, String reply) {
        assertEquals(List.of(), realAddresses(reply), what + " names a real host or node port: " + reply);
        Matcher number = WHOLE_NUMBER.matcher(reply);
        int endpoints = 0;
        while (number.find()) {
            if (number.group().length() <= 5 && isEndpointOf(entry, "127.0.0.1", Integer.parseInt(number.group()))) {
                endpoints++;
            }
        }
        assertTrue(endpoints > 0, what + " names no endpoint at all: " + reply);
    }

    @Test
    @Order(1)
    void topologyRepliesNameOnlyMeshEndpointsInBothProtocols() {
        for (RedisProtocol protocol : List.of(RedisProtocol.RESP2, RedisProtocol.RESP3)) {
            for (String entry : entries.keySet()) {
                DefaultJedisClientConfig config = DefaultJedisClientConfig.builder().protocol(protocol).build();
                try (Jedis jedis = new Jedis(new HostAndPort("127.0.0.1", seed(entry)), config)) {
                    String nodes = jedis.clusterNodes();
                    assertOnlyEndpoints(entry, protocol + " CLUSTER NODES", nodes);
                    assertOnlyEndpoints(entry, protocol + " CLUSTER SLOTS", String.valueOf(deep(jedis.sendCommand(
                            redis.clients.jedis.Protocol.Command.CLUSTER, "SLOTS"))));
                    assertOnlyEndpoints(entry, protocol + " CLUSTER SHARDS", String.valueOf(deep(jedis.sendCommand(
                            redis.clients.jedis.Protocol.Command.CLUSTER, "SHARDS"))));
                    // Jedis hands a RESP3 verbatim string over with its "txt:" format prefix.
                    String primary = nodes.replaceFirst("^txt:", "").lines().filter(l -> l.contains("master")).findFirst().orElseThrow().split(" ")[0];
                    assertOnlyEndpoints(entry, protocol + " CLUSTER REPLICAS", String.valueOf(deep(jedis.sendCommand(
                            redis.clients.jedis.Protocol.Command.CLUSTER, "REPLICAS", primary))));
                }
            }
        }
    }

    /** What the mesh does with a command whose reply can name a node: answers it (rewritten) or refuses it. */
    private enum Fate { ANSWERED, REFUSED }

    private record Probe(Fate fate, String... words) {
        /** The command as a refusal names it: with its subcommand for the container commands. */
        String name() {
            boolean container = Set.of("CLUSTER", "CLIENT", "CONFIG", "SLOWLOG", "ACL").contains(words[0]);
            return container ? words[0] + " " + words[1] : words[0];
        }
    }

    /** Every Redis 7 command docs/security.md lists as able to name an address, as one client would send it. */
    private List<Probe> addressProbes(String protocol, String primaryId, int realPort) {
        String host = RedisClusterFixture.HOST;
        String port = Integer.toString(realPort);
        return List.of(new Probe(Fate.ANSWERED, "HELLO", protocol),
                new Probe(Fate.ANSWERED, "CLUSTER", "SLOTS"), new Probe(Fate.ANSWERED, "CLUSTER", "SHARDS"),
                new Probe(Fate.ANSWERED, "CLUSTER", "NODES"), new Probe(Fate.ANSWERED, "CLUSTER", "REPLICAS", primaryId),
                new Probe(Fate.ANSWERED, "CLUSTER", "SLAVES", primaryId), new Probe(Fate.ANSWERED, "ROLE"),
                new Probe(Fate.ANSWERED, "INFO"), new Probe(Fate.ANSWERED, "INFO", "server", "replication"),
                new Probe(Fate.ANSWERED, "INFO", "everything"), new Probe(Fate.ANSWERED, "GET", "probe:moved"),
                new Probe(Fate.ANSWERED, "CONFIG", "GET", "maxmemory"), new Probe(Fate.ANSWERED, "CLUSTER", "LINKS"),
                new Probe(Fate.REFUSED, "CLIENT", "LIST"), new Probe(Fate.REFUSED, "CLIENT", "INFO"),
                new Probe(Fate.REFUSED, "CONFIG", "GET", "port"), new Probe(Fate.REFUSED, "CONFIG", "GET", "*"),
                new Probe(Fate.REFUSED, "CONFIG", "GET", "maxmemory", "cluster-announce-*"),
                new Probe(Fate.REFUSED, "CONFIG", "GET", "replicaof"), new Probe(Fate.REFUSED, "MONITOR"),
                new Probe(Fate.REFUSED, "SLOWLOG", "GET", "128"), new Probe(Fate.REFUSED, "ACL", "LOG"),
                new Probe(Fate.REFUSED, "EVAL", NODES_SCRIPT, "0"), new Probe(Fate.REFUSED, "EVAL_RO", NODES_SCRIPT, "0"),
                new Probe(Fate.REFUSED, "EVALSHA", NODES_SCRIPT_SHA, "0"),
                new Probe(Fate.REFUSED, "EVALSHA_RO", NODES_SCRIPT_SHA, "0"),
                new Probe(Fate.REFUSED, "FCALL", "cloakmesh_nodes", "0"),
                new Probe(Fate.REFUSED, "FCALL_RO", "cloakmesh_nodes", "0"),
                new Probe(Fate.REFUSED, "MIGRATE", host, port, "probe:k", "0", "1000"),
                new Probe(Fate.REFUSED, "CLUSTER", "MEET", host, port),
                new Probe(Fate.REFUSED, "CLIENT", "KILL", "ADDR", host + ":" + port),
                new Probe(Fate.REFUSED, "REPLICAOF", host, port));
    }

    /** A number standing alone: not digits inside a node id or a SHA. */
    private static final Pattern WHOLE_NUMBER = Pattern.compile("(?<![0-9A-Za-z])\\d+(?![0-9A-Za-z])");
    private static final String NODES_SCRIPT = "return redis.call('CLUSTER','NODES')";
    private static final String NODES_SCRIPT_SHA = sha1(NODES_SCRIPT);

    private static String sha1(String text) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-1")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Puts on every real node what the script probes would run if the mesh let them through: the script in
     * the script cache, and a function returning CLUSTER NODES (loaded on primaries, replicated to replicas).
     */
    private void loadScriptsOnTheRealNodes() {
        for (int port : cluster.ports) {
            try (Jedis direct = cluster.jedis(port, 5000)) {
                assertEquals(NODES_SCRIPT_SHA, direct.scriptLoad(NODES_SCRIPT));
                if (direct.role().get(0).equals("master")) {
                    direct.functionLoadReplace("#!lua name=cloakmesh_probe\n"
                            + "redis.register_function{function_name='cloakmesh_nodes', flags={'no-writes'}, "
                            + "callback=function() return redis.call('CLUSTER','NODES') end}");
                }
            }
        }
        for (int port : cluster.ports) {
            try (Jedis direct = cluster.jedis(port, 5000)) {
                Poll.until(Duration.ofSeconds(10), "the probe function on " + port,
                        () -> String.valueOf(deep(direct.sendCommand(redis.clients.jedis.Protocol.Command.FCALL_RO,
                                "cloakmesh_nodes", "0"))).contains(RedisClusterFixture.HOST));
            }
        }
    }

    /**
     * The INFO fields that name a node's address or port on these nodes, read from each real node directly:
     * those where a real host or port is seen, and the ones Redis documents (for a field that is not set here).
     */
    private Set<String> infoAddressFields() {
        Set<String> fields = new java.util.TreeSet<>(List.of("tcp_port", "master_host", "master_port"));
        for (int port : cluster.ports) {
            try (Jedis direct = cluster.jedis(port, 5000)) {
                for (String line : direct.info("everything").lines().toList()) {
                    int colon = line.indexOf(':');
                    if (colon > 0 && !realAddresses(line.substring(colon + 1)).isEmpty()) {
                        fields.add(line.substring(0, colon));
                    }
                }
            }
        }
        return fields;
    }

    /** The real hosts and ports (node ports and bus ports) named in {@code text}, as whole numbers. */
    private List<String> realAddresses(String text) {
        List<String> found = new ArrayList<>();
        if (text.contains(RedisClusterFixture.HOST)) {
            found.add(RedisClusterFixture.HOST);
        }
        Matcher number = WHOLE_NUMBER.matcher(text);
        while (number.find()) {
            if (number.group().length() <= 5) {
                int n = Integer.parseInt(number.group());
                if (cluster.ports.contains(n) || cluster.ports.contains(n - 10000)) {
                    found.add(number.group());
                }
            }
        }
        return found;
    }

    /**
     * The real addresses in a reply: the real host anywhere; a real port in any text or number, except in
     * INFO text only in its address fields and never in a replication offset (counters and offsets
     * may take any value, a port's included).
     */
    private List<String> realAddresses(RespValue reply, Set<String> infoFields) {
        List<String> found = new ArrayList<>();
        if (reply instanceof RespValue.Int n) {
            found.addAll(realAddresses(Long.toString(n.value())));
        } else if (reply instanceof RespValue.Aggregate a) {
            List<RespValue> elements = a.elements();
            String first = elements.isEmpty() ? "" : RawRedis.text(elements.get(0));
            if (first.equals("$master") && elements.size() == 3 && elements.get(2) instanceof RespValue.Aggregate replicas) {
                // ROLE of a primary: [master, offset, [[ip, port, offset], ...]]
                for (RespValue replica : replicas.elements()) {
                    ((RespValue.Aggregate) replica).elements().subList(0, 2).forEach(v -> found.addAll(realAddresses(v, infoFields)));
                }
            } else if (first.equals("$slave") && elements.size() == 5) {
                // ROLE of a replica: [slave, ip, port, state, offset]
                elements.subList(0, 4).forEach(v -> found.addAll(realAddresses(v, infoFields)));
            } else {
                elements.forEach(v -> found.addAll(realAddresses(v, infoFields)));
            }
        } else if (reply instanceof RespValue.MapValue m) {
            List<RespValue> kv = m.keysAndValues();
            for (int i = 0; i + 1 < kv.size(); i += 2) {
                found.addAll(realAddresses(kv.get(i), infoFields));
                if (!RawRedis.text(kv.get(i)).contains("offset")) {
                    found.addAll(realAddresses(kv.get(i + 1), infoFields));
                }
            }
        } else {
            String text = reply instanceof RespValue.Verbatim v ? new String(v.text(), StandardCharsets.ISO_8859_1)
                    : RawRedis.text(reply);
            if (text.contains("redis_version:")) {
                for (String line : text.lines().toList()) {
                    int colon = line.indexOf(':');
                    found.addAll(colon > 0 && infoFields.contains(line.substring(0, colon).replaceFirst("^\\$", ""))
                            ? realAddresses(line) : realAddresses(line.contains(RedisClusterFixture.HOST) ? line : ""));
                }
            } else if (!text.contains("replication-offset")) {
                found.addAll(realAddresses(text));
            }
        }
        return found;
    }

    @Test
    @Order(1)
    void noReplyOfACommandThatCanNameANodeCarriesARealAddressInAnyProtocolOrMode() throws Exception {
        loadScriptsOnTheRealNodes();
        Set<String> infoFields = infoAddressFields();
        String primaryId = null;
        int replicaPort = 0;
        for (int port : cluster.ports) {
            try (Jedis direct = cluster.jedis(port, 5000)) {
                if (direct.role().get(0).equals("master")) {
                    primaryId = direct.clusterMyId();
                } else {
                    replicaPort = port;
                }
            }
        }
        // The seed endpoint (the exit's choice of node, a primary) and a replica's endpoint, which answers every key with MOVED.
        for (int target : List.of(seed("a1"), endpointOfRealPort("a1", replicaPort).getPort())) {
            for (String protocol : List.of("2", "3")) {
                List<Probe> probes = addressProbes(protocol, primaryId, cluster.ports.get(0));
                String where = "RESP" + protocol + " through 127.0.0.1:" + target + ", ";
                try (RawRedis plain = new RawRedis(target)) {
                    for (Probe probe : probes) {
                        RespValue reply = plain.send(RawRedis.resp(probe.words())).value();
                        assertFate(where + "plain", probe, reply, infoFields);
                    }
                }
                try (RawRedis pipelined = new RawRedis(target)) {
                    StringBuilder all = new StringBuilder(RawRedis.resp("ECHO", "first"));
                    probes.forEach(probe -> all.append(RawRedis.resp(probe.words())));
                    pipelined.send(all.append(RawRedis.resp("ECHO", "last")).toString());
                    assertEquals("$first", RawRedis.text(pipelined.value()));
                    for (Probe probe : probes) {
                        assertFate(where + "pipelined", probe, pipelined.value(), infoFields);
                    }
                    assertEquals("$last", RawRedis.text(pipelined.value()), where + "pipelined: replies stay in order");
                }
                try (RawRedis multi = new RawRedis(target)) {
                    multi.send(RawRedis.resp("HELLO", protocol)).value();
                    for (Probe probe : probes) {
                        if (probe.words()[0].equals("HELLO")) {
                            continue;
                        }
                        multi.send(RawRedis.resp("MULTI") + RawRedis.resp(probe.words()) + RawRedis.resp("EXEC"));
                        assertEquals("+OK", RawRedis.text(multi.value()));
                        for (RespValue reply : List.of(multi.value(), multi.value())) {
                            assertEquals(List.of(), realAddresses(reply, infoFields), where + "in MULTI: "
                                    + probe.name() + " gave " + RawRedis.text(reply));
                        }
                    }
                }
            }
        }
    }

    private void assertFate(String where, Probe probe, RespValue reply, Set<String> infoFields) {
        String text = reply instanceof RespValue.Verbatim v ? new String(v.text(), StandardCharsets.ISO_8859_1)
                : RawRedis.text(reply);
        boolean refused = text.startsWith("-ERR cloakmesh refuses " + probe.name().toUpperCase(java.util.Locale.ROOT));
        assertEquals(probe.fate() == Fate.REFUSED, refused, where + ": " + probe.name() + " gave " + text);
        assertEquals(List.of(), realAddresses(reply, infoFields), where + ": " + probe.name() + " gave " + text);
    }

    @Test
    @Order(1)
    void scriptsRunThroughAnImportWhoseExportAllowsThem() throws Exception {
        loadScriptsOnTheRealNodes();
        Poll.until(TestMesh.CONVERGE, "a1 giving every node of rcs an endpoint", () -> {
            try (RawRedis rcs = new RawRedis(rcsSeed)) {
                return RawRedis.text(rcs.send(RawRedis.resp("EVAL", "return 'ran'", "0")).value()).equals("$ran");
            } catch (java.io.IOException e) {
                return false;
            }
        });
        try (RawRedis rcs = new RawRedis(rcsSeed); RawRedis rc = new RawRedis(seed("a1"))) {
            String nodes = RawRedis.text(rcs.send(RawRedis.resp("FCALL_RO", "cloakmesh_nodes", "0")).value());
            assertTrue(nodes.contains(RedisClusterFixture.HOST), "allow-scripts = true: the documented cost, a script's "
                    + "reply passes as the cluster sends it: " + nodes);
            assertTrue(RawRedis.text(rc.send(RawRedis.resp("EVAL", "return 'ran'", "0")).value())
                    .startsWith("-ERR cloakmesh refuses EVAL: a script's reply can carry node addresses"));
        }
    }

    @Test
    @Order(1)
    void theWebConsoleFeedCarriesTheSlotMapWithEachEntrysEndpoints() throws Exception {
        com.fasterxml.jackson.databind.JsonNode rc = null;
        for (com.fasterxml.jackson.databind.JsonNode service : mesh.a1.consoleFrame().get("services")) {
            if (service.get("service").asText().equals("rc")) {
                rc = service;
            }
        }
        assertTrue(rc != null, "rc in the console's frame");
        int primaries = 0;
        int slots = 0;
        for (com.fasterxml.jackson.databind.JsonNode node : rc.get("slots")) {
            if (node.get("role").asText().equals("primary")) {
                primaries++;
                for (com.fasterxml.jackson.databind.JsonNode range : node.get("slots")) {
                    String[] ends = range.asText().split("-");
                    slots += Integer.parseInt(ends[ends.length - 1]) - Integer.parseInt(ends[0]) + 1;
                }
            }
            assertTrue(node.get("endpoints").has("a1") && node.get("endpoints").has("a2"), node.toString());
        }
        assertEquals(3, primaries, rc.toString());
        assertEquals(16384, slots, "every slot on the map");
    }

    @Test
    @Order(1)
    void roleAndInfoReplicationNameOnlyMeshEndpointsInBothProtocols() {
        for (int port : cluster.ports) {
            HostAndPort endpoint = endpointOfRealPort("a1", port);
            for (RedisProtocol protocol : List.of(RedisProtocol.RESP2, RedisProtocol.RESP3)) {
                DefaultJedisClientConfig config = DefaultJedisClientConfig.builder().protocol(protocol).build();
                try (Jedis jedis = new Jedis(endpoint, config)) {
                    String what = protocol + " through " + endpoint + ": ";
                    // A primary lists its replica once it has connected: the cluster may have just formed.
                    Poll.until(Duration.ofSeconds(30), what + "INFO replication naming a replica or primary",
                            () -> !replicationPeers(jedis.info("replication")).isEmpty());
                    String info = jedis.info("replication");
                    assertTrue(!info.contains(RedisClusterFixture.HOST), what + info);
                    for (String[] peer : replicationPeers(info)) {
                        assertTrue(isEndpointOf("a1", peer[0], Integer.parseInt(peer[1])), what + info);
                    }
                    List<?> role = (List<?>) deep(jedis.sendCommand(redis.clients.jedis.Protocol.Command.ROLE));
                    List<String[]> rolePeers = new ArrayList<>();
                    if (role.get(0).equals("master")) {
                        for (Object replica : (List<?>) role.get(2)) {
                            rolePeers.add(new String[] {String.valueOf(((List<?>) replica).get(0)), String.valueOf(((List<?>) replica).get(1))});
                        }
                    } else {
                        rolePeers.add(new String[] {String.valueOf(role.get(1)), String.valueOf(role.get(2))});
                    }
                    assertTrue(!rolePeers.isEmpty(), what + role);
                    for (String[] peer : rolePeers) {
                        assertTrue(isEndpointOf("a1", peer[0], Integer.parseInt(peer[1])), what + "ROLE " + role);
                    }
                }
            }
        }
    }

    /** The host and port of each replica ({@code slaveN:ip=..,port=..}) or of the primary an INFO names. */
    private static List<String[]> replicationPeers(String info) {
        List<String[]> peers = new ArrayList<>();
        String masterHost = null;
        for (String line : info.replaceFirst("^txt:", "").lines().toList()) {
            Matcher replica = Pattern.compile("^slave\\d+:ip=([^,]*),port=(\\d+)").matcher(line);
            if (replica.find()) {
                peers.add(new String[] {replica.group(1), replica.group(2)});
            } else if (line.startsWith("master_host:")) {
                masterHost = line.substring("master_host:".length());
            } else if (line.startsWith("master_port:") && masterHost != null) {
                peers.add(new String[] {masterHost, line.substring("master_port:".length())});
            }
        }
        return peers;
    }

    /** A Jedis reply with its byte arrays as text, for looking for addresses in it. */
    static Object deep(Object reply) {
        if (reply instanceof byte[] bytes) {
            return new String(bytes, StandardCharsets.UTF_8);
        }
        if (reply instanceof List<?> list) {
            return list.stream().map(RedisClusterMeshIT::deep).toList();
        }
        if (reply instanceof Map<?, ?> map) {
            Map<Object, Object> out = new java.util.LinkedHashMap<>();
            map.forEach((k, v) -> out.put(deep(k), deep(v)));
            return out;
        }
        if (reply instanceof redis.clients.jedis.util.KeyValue<?, ?> kv) {
            return deep(kv.getKey()) + "=" + deep(kv.getValue());
        }
        return reply;
    }

    @Test
    @Order(2)
    void redisCliFollowsMovedToMeshEndpointsOnly() throws Exception {
        // redis-cli says where it is redirected only when interactive: script gives it a terminal.
        StringBuilder commands = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            commands.append("SET cli:").append(i).append(" v").append(i).append('\n');
        }
        commands.append("quit\n");
        java.nio.file.Path output = java.nio.file.Files.createTempFile("redis-cli", ".out");
        // A dumb terminal makes redis-cli read plain lines instead of asking the terminal where its cursor is.
        ProcessBuilder builder = new ProcessBuilder("script", "-qec", "redis-cli -c -h 127.0.0.1 -p " + seed("a1"), "/dev/null")
                .redirectErrorStream(true).redirectOutput(output.toFile());
        builder.environment().put("TERM", "dumb");
        Process cli = builder.start();
        cli.getOutputStream().write(commands.toString().getBytes(StandardCharsets.UTF_8));
        cli.getOutputStream().close();
        boolean exited = cli.waitFor(60, TimeUnit.SECONDS);
        cli.destroyForcibly();
        String all = java.nio.file.Files.readString(output);
        java.nio.file.Files.delete(output);
        assertTrue(exited, "redis-cli did not finish: " + all);
        assertTrue(!all.contains(RedisClusterFixture.HOST), all);
        Matcher redirect = Pattern.compile("Redirected to slot \\[\\d+\\] located at ([\\d.]+):(\\d+)").matcher(all);
        int redirects = 0;
        while (redirect.find()) {
            redirects++;
            assertTrue(isEndpointOf("a1", redirect.group(1), Integer.parseInt(redirect.group(2))), all);
        }
        assertTrue(redirects > 10, "keys over all slots are mostly redirected: " + all);
        try (JedisCluster check = new JedisCluster(new HostAndPort("127.0.0.1", seed("a2")))) {
            for (int i = 0; i < 40; i++) {
                assertEquals("v" + i, check.get("cli:" + i));
            }
        }
    }

    @Test
    @Order(3)
    void jedisClusterWritesAndReadsTenThousandKeysInBothProtocols() {
        for (RedisProtocol protocol : List.of(RedisProtocol.RESP2, RedisProtocol.RESP3)) {
            DefaultJedisClientConfig config = DefaultJedisClientConfig.builder().protocol(protocol).build();
            try (JedisCluster client = new JedisCluster(Set.of(new HostAndPort("127.0.0.1", seed("a2"))), config)) {
                for (int i = 0; i < 10_000; i++) {
                    client.set("jedis:" + protocol + ":" + i, "value" + i);
                }
                for (int i = 0; i < 10_000; i++) {
                    assertEquals("value" + i, client.get("jedis:" + protocol + ":" + i));
                }
                Set<String> known = client.getClusterNodes().keySet();
                assertTrue(known.size() >= 3, known.toString());
                for (String address : known) {
                    String[] hp = address.split(":");
                    assertTrue(isEndpointOf("a2", hp[0], Integer.parseInt(hp[1])), protocol + ": " + known);
                }
            }
        }
    }

    @Test
    @Order(4)
    void lettuceClusterWritesAndReadsTenThousandKeysInBothProtocols() {
        for (ProtocolVersion protocol : List.of(ProtocolVersion.RESP2, ProtocolVersion.RESP3)) {
            RedisClusterClient client = RedisClusterClient.create(RedisURI.create("127.0.0.1", seed("a1")));
            client.setOptions(ClusterClientOptions.builder().protocolVersion(protocol).build());
            try (StatefulRedisClusterConnection<String, String> connection = client.connect()) {
                var sync = connection.sync();
                for (int i = 0; i < 10_000; i++) {
                    sync.set("lettuce:" + protocol + ":" + i, "value" + i);
                }
                for (int i = 0; i < 10_000; i++) {
                    assertEquals("value" + i, sync.get("lettuce:" + protocol + ":" + i));
                }
                List<String> known = new ArrayList<>();
                client.getPartitions().forEach(n -> known.add(n.getUri().getHost() + ":" + n.getUri().getPort()));
                assertEquals(6, known.size(), protocol + ": " + known);
                for (String address : known) {
                    String[] hp = address.split(":");
                    assertTrue(isEndpointOf("a1", hp[0], Integer.parseInt(hp[1])), protocol + ": " + known);
                }
            } finally {
                client.shutdown();
            }
        }
    }


    /** entry's endpoint of the node at the real {@code port}, read through the entry (CLUSTER NODES). */
    private HostAndPort endpointOfRealPort(String entry, int port) {
        String id;
        try (Jedis direct = new Jedis(RedisClusterFixture.HOST, port)) {
            id = direct.clusterMyId();
        }
        try (Jedis jedis = new Jedis("127.0.0.1", seed(entry))) {
            String line = jedis.clusterNodes().lines().filter(l -> l.startsWith(id)).findFirst().orElseThrow();
            String[] address = line.split(" ")[1].split("[:@]");
            return new HostAndPort(address[0], Integer.parseInt(address[1]));
        }
    }

    @Test
    @Order(1)
    void theFilterRuleTableHoldsAgainstARealClusterInBothModes() throws Exception {
        int slot = JedisClusterCRC16.getSlot("{t1}");
        int realPort = -1;
        try (Jedis direct = new Jedis(RedisClusterFixture.HOST, cluster.ports.get(0))) {
            for (String line : direct.clusterNodes().lines().toList()) {
                String[] f = line.split(" ");
                for (int i = 8; i < f.length && f[2].contains("master"); i++) {
                    String[] range = f[i].split("-");
                    if (!f[i].startsWith("[") && Integer.parseInt(range[0]) <= slot
                            && slot <= Integer.parseInt(range[range.length - 1])) {
                        realPort = port(f[1]);
                    }
                }
            }
        }
        HostAndPort endpoint = endpointOfRealPort("a1", realPort);
        try (JedisCluster direct = new JedisCluster(new HostAndPort(RedisClusterFixture.HOST, cluster.ports.get(0)))) {
            // The entry refuses scripts on rc (no allow-scripts) before its filter could judge them; FilterMeshIT
            // runs the script cases through a tcp export.
            FilterTable.runAll(mesh, mesh.a1, "rc", endpoint.getPort(), direct::exists, "mode = compat\n",
                    c -> !c.requests().contains("EVAL"));
        }
    }

    /** A real primary's port, and a key of a slot it serves. */
    private String[] primaryAndKey() {
        try (Jedis direct = new Jedis(RedisClusterFixture.HOST, cluster.ports.get(0))) {
            for (String line : direct.clusterNodes().lines().toList()) {
                String[] f = line.split(" ");
                if (f[2].contains("master") && f.length > 8) {
                    int first = Integer.parseInt(f[8].split("-")[0]);
                    for (int i = 0; ; i++) {
                        if (JedisClusterCRC16.getSlot("k" + i) == first) {
                            return new String[] {f[1].split("[:@]")[1], "k" + i};
                        }
                    }
                }
            }
        }
        throw new AssertionError("no primary with slots");
    }

    @Test
    @Order(5)
    void pipelinesTransactionsBlockingAndPubSubWorkThroughANodeEndpoint() throws Exception {
        String[] primary = primaryAndKey();
        HostAndPort endpoint = endpointOfRealPort("a1", Integer.parseInt(primary[0]));
        String key = primary[1];
        String tag = "{" + key + "}";
        for (RedisProtocol protocol : List.of(RedisProtocol.RESP2, RedisProtocol.RESP3)) {
            DefaultJedisClientConfig config = DefaultJedisClientConfig.builder().protocol(protocol).build();
            // CLIENT LIST is refused through the mesh (it shows real addresses): the node itself is asked.
            try (Jedis jedis = new Jedis(endpoint, config); Jedis other = new Jedis(endpoint, config);
                    Jedis node = new Jedis(RedisClusterFixture.HOST, Integer.parseInt(primary[0]))) {
                Pipeline pipeline = jedis.pipelined();
                List<Response<String>> reads = new ArrayList<>();
                for (int i = 0; i < 500; i++) {
                    pipeline.set(tag + i, "p" + i);
                    reads.add(pipeline.get(tag + i));
                }
                pipeline.sync();
                for (int i = 0; i < 500; i++) {
                    assertEquals("p" + i, reads.get(i).get());
                }
                Transaction multi = jedis.multi();
                multi.incr(tag + "counter");
                multi.incr(tag + "counter");
                multi.get(tag + "counter");
                List<Object> results = multi.exec();
                assertEquals(3, results.size(), protocol + ": " + results);
                jedis.del(tag + "list");
                CompletableFuture<List<String>> popped = CompletableFuture.supplyAsync(() -> jedis.blpop(10, tag + "list"));
                Poll.until(Duration.ofSeconds(10), "BLPOP waiting on the node", () -> node.clientList().contains("cmd=blpop"));
                other.rpush(tag + "list", "woken");
                assertEquals(List.of(tag + "list", "woken"), popped.get(10, TimeUnit.SECONDS));
            }
            BlockingQueue<String> received = new LinkedBlockingQueue<>();
            JedisPubSub listener = new JedisPubSub() {
                @Override
                public void onMessage(String channel, String message) {
                    received.add(channel + "=" + message);
                    if (message.equals("last")) {
                        unsubscribe();
                    }
                }
            };
            try (Jedis subscriber = new Jedis(endpoint, config); Jedis publisher = new Jedis(endpoint, config)) {
                CompletableFuture<Void> subscribed = CompletableFuture.runAsync(() -> subscriber.subscribe(listener, "news"));
                Poll.until(Duration.ofSeconds(10), protocol + " subscription", () -> publisher.pubsubNumSub("news").get("news") == 1L);
                publisher.publish("news", "first");
                publisher.publish("news", "last");
                subscribed.get(10, TimeUnit.SECONDS);
                assertEquals(List.of("news=first", "news=last"), new ArrayList<>(received), protocol.toString());
            }
        }
    }

    @Test
    @Order(6)
    void aSlotMigratesWhileAClientWritesToIt() throws Exception {
        String[] primary = primaryAndKey();
        int sourcePort = Integer.parseInt(primary[0]);
        int slot = JedisClusterCRC16.getSlot(primary[1]);
        String tag = "{" + primary[1] + "}";
        try (Jedis source = new Jedis(RedisClusterFixture.HOST, sourcePort)) {
            String sourceId = source.clusterMyId();
            String targetLine = source.clusterNodes().lines()
                    .filter(l -> l.contains("master") && !l.startsWith(sourceId)).findFirst().orElseThrow();
            String targetId = targetLine.split(" ")[0];
            int targetPort = Integer.parseInt(targetLine.split(" ")[1].split("[:@]")[1]);
            try (Jedis target = new Jedis(RedisClusterFixture.HOST, targetPort);
                    JedisCluster client = new JedisCluster(Set.of(new HostAndPort("127.0.0.1", seed("a1"))),
                            DefaultJedisClientConfig.builder().build(), 10, new ConnectionPoolConfig())) {
                for (int i = 0; i < 200; i++) {
                    client.set(tag + i, "before" + i);
                }
                target.clusterSetSlotImporting(slot, sourceId);
                source.clusterSetSlotMigrating(slot, targetId);
                // Half the keys move; writes meanwhile meet ASK for moved keys and are served either way.
                for (String moved : source.clusterGetKeysInSlot(slot, 100)) {
                    source.migrate(RedisClusterFixture.HOST, targetPort, moved, 0, 5000);
                }
                for (int i = 0; i < 200; i++) {
                    client.set(tag + i, "during" + i);
                    assertEquals("during" + i, client.get(tag + i));
                }
                for (String moved : source.clusterGetKeysInSlot(slot, 1000)) {
                    source.migrate(RedisClusterFixture.HOST, targetPort, moved, 0, 5000);
                }
                target.clusterSetSlotNode(slot, targetId);
                source.clusterSetSlotNode(slot, targetId);
                for (int i = 0; i < 200; i++) {
                    client.set(tag + i, "after" + i);
                }
                for (int i = 0; i < 200; i++) {
                    assertEquals("after" + i, client.get(tag + i));
                }
                assertEquals(0, source.clusterCountKeysInSlot(slot));
                assertTrue(target.clusterCountKeysInSlot(slot) >= 200);
            }
        }
    }

    /** Role and health of each node in the asked node's admin topology of rc, by node id. */
    private static Map<String, String> adminTopology(MeshNodeProcess asked) {
        Map<String, String> nodes = new TreeMap<>();
        try {
            for (com.fasterxml.jackson.databind.JsonNode n : asked.get("/v1/topology/rc").get("nodes")) {
                nodes.put(n.get("id").asText(), n.get("role").asText() + " " + n.get("health").asText()
                        + " endpoints " + n.get("endpoints").size());
            }
        } catch (Exception e) {
            nodes.put("error", String.valueOf(e));
        }
        return nodes;
    }

    /**
     * Writes keys through the a2 entry with a cluster client until stopped, retrying each write as a
     * client would; the keys whose write was acknowledged.
     */
    private static final class Writer implements AutoCloseable {
        final List<String> acknowledged = java.util.Collections.synchronizedList(new ArrayList<>());
        final java.util.concurrent.atomic.AtomicInteger failures = new java.util.concurrent.atomic.AtomicInteger();
        private final java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
        private final CompletableFuture<Void> done;

        Writer(int seed, String prefix) {
            JedisCluster client = new JedisCluster(Set.of(new HostAndPort("127.0.0.1", seed)),
                    DefaultJedisClientConfig.builder().socketTimeoutMillis(2000).build(), 20, new ConnectionPoolConfig());
            done = CompletableFuture.runAsync(() -> {
                try (client) {
                    for (int i = 0; running.get(); i++) {
                        String key = prefix + i;
                        try {
                            client.set(key, "v" + i);
                            acknowledged.add(key);
                        } catch (RuntimeException e) {
                            failures.incrementAndGet();
                        }
                    }
                }
            });
        }

        int count() {
            return acknowledged.size();
        }

        @Override
        public void close() throws Exception {
            running.set(false);
            done.get(60, TimeUnit.SECONDS);
        }
    }

    private void assertAllReadable(List<String> keys) {
        try (JedisCluster reader = new JedisCluster(Set.of(new HostAndPort("127.0.0.1", seed("a1"))),
                DefaultJedisClientConfig.builder().build(), 20, new ConnectionPoolConfig())) {
            List<String> lost = new ArrayList<>();
            for (String key : List.copyOf(keys)) {
                if (reader.get(key) == null) {
                    lost.add(key);
                }
            }
            assertEquals(List.of(), lost, "acknowledged writes lost of " + keys.size());
        }
    }

    /** The real port of a replica, and of the primary it follows. */
    private int[] replicaAndPrimary() {
        try (Jedis direct = new Jedis(RedisClusterFixture.HOST, cluster.ports.get(0))) {
            List<String> lines = direct.clusterNodes().lines().toList();
            for (String line : lines) {
                String[] f = line.split(" ");
                if (f[2].contains("slave") && !f[2].contains("fail")) {
                    String primaryLine = lines.stream().filter(l -> l.startsWith(f[3])).findFirst().orElseThrow();
                    return new int[] {port(f[1]), port(primaryLine.split(" ")[1])};
                }
            }
        }
        throw new AssertionError("no replica");
    }

    private static int port(String address) {
        return Integer.parseInt(address.split("[:@]")[1]);
    }

    private static String idOf(int port) {
        try (Jedis direct = new Jedis(RedisClusterFixture.HOST, port)) {
            return direct.clusterMyId();
        }
    }

    @Test
    @Order(7)
    void aManualFailoverLosesNoAcknowledgedWriteAndShowsInTheTopology() throws Exception {
        int[] pair = replicaAndPrimary();
        String replica = idOf(pair[0]);
        try (Writer writer = new Writer(seed("a2"), "failover:")) {
            Poll.until(Duration.ofSeconds(30), "writes flowing", () -> writer.count() > 200);
            try (Jedis direct = new Jedis(RedisClusterFixture.HOST, pair[0])) {
                assertEquals("OK", direct.clusterFailover());
            }
            Poll.until(Duration.ofSeconds(30), "the admin topology showing the replica promoted",
                    () -> adminTopology(mesh.a1).getOrDefault(replica, "").startsWith("primary online endpoints 2"));
            int after = writer.count();
            Poll.until(Duration.ofSeconds(30), "writes flowing after the failover", () -> writer.count() > after + 200);
            writer.close();
            assertAllReadable(writer.acknowledged);
        }
    }

    @Test
    @Order(8)
    void aKilledPrimaryIsReplacedAndClientsCarryOn() throws Exception {
        int[] pair = replicaAndPrimary();
        String replica = idOf(pair[0]);
        String primary = idOf(pair[1]);
        try (Writer writer = new Writer(seed("a2"), "crash:")) {
            Poll.until(Duration.ofSeconds(30), "writes flowing", () -> writer.count() > 200);
            cluster.kill(pair[1]);
            Poll.until(Duration.ofSeconds(60), "the admin topology showing the replica promoted and the primary failed",
                    () -> {
                        Map<String, String> t = adminTopology(mesh.b2);
                        return t.getOrDefault(replica, "").startsWith("primary online")
                                && t.getOrDefault(primary, "").contains("fail");
                    });
            int after = writer.count();
            Poll.until(Duration.ofSeconds(60), "writes flowing after the crash", () -> writer.count() > after + 200);
            writer.close();
            assertAllReadable(writer.acknowledged);
        }
    }

    @Test
    @Order(9)
    void anExitKilledWhileClientsRunLeavesNewConnectionsToTheOther() throws Exception {
        try (Writer writer = new Writer(seed("a1"), "exit:")) {
            Poll.until(Duration.ofSeconds(30), "writes flowing", () -> writer.count() > 200);
            mesh.b1.kill();
            int after = writer.count();
            Poll.until(Duration.ofSeconds(60), "writes flowing after b1 died", () -> writer.count() > after + 200);
            writer.close();
        }
        for (int i = 0; i < 20; i++) {
            try (JedisCluster fresh = new JedisCluster(Set.of(new HostAndPort("127.0.0.1", seed("a2"))),
                    DefaultJedisClientConfig.builder().socketTimeoutMillis(15000).build(), 5, new ConnectionPoolConfig())) {
                fresh.set("after-exit:" + i, "v");
                assertEquals("v", fresh.get("after-exit:" + i));
            }
        }
    }
}
