package io.cloakmesh.node.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloakmesh.crypto.tls.TlsConfig;
import io.cloakmesh.crypto.tls.TlsContext;
import io.cloakmesh.node.testing.Poll;
import io.cloakmesh.node.testing.RedisClusterFixture;
import io.cloakmesh.node.testing.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.SSLSocketFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisCluster;
import redis.clients.jedis.Protocol;

/**
 * A TLS Redis Cluster (tls-port only, tls-cluster, tls-auth-clients yes, certificates of its own CA)
 * behind a redis-cluster export whose tls block presents a client certificate of that CA, imported on a1
 * over TLS with the mesh's certificate: a Jedis cluster client over TLS, given only the seed endpoint,
 * writes and reads through the mesh, and no reply names a real node.
 */
class TlsRedisClusterIT {
    private static final int SEED = Poll.freePort();
    private static final int NODE_PORTS = 14000 + (int) (ProcessHandle.current().pid() % 40) * 100;
    private static Path dir;
    private static RedisClusterFixture cluster;
    private static TestMesh mesh;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("cloakmesh-tls-cluster");
        TestCertificates redisCa = new TestCertificates(dir, "redis-ca");
        Path ca = redisCa.caFile;
        Path[] server = redisCa.issue("redis", RedisClusterFixture.HOST, "redis");
        Path[] meshClient = redisCa.issue("mesh", "127.0.0.1", "mesh");
        cluster = RedisClusterFixture.start(3, Optional.of(new RedisClusterFixture.Tls(server[0], server[1], ca)));
        String seeds = "\"" + RedisClusterFixture.HOST + ":" + cluster.ports.get(0) + "\", \"" + RedisClusterFixture.HOST + ":"
                + cluster.ports.get(3) + "\"";
        mesh = new TestMesh("cloakmesh-tls-cluster-it", false, node -> {
            if (node.linkPort != 0) {
                return "  exports.rc { kind = redis-cluster, seeds = [" + seeds + "], refresh-interval = 1s, tls { ca-cert-file = \""
                        + ca + "\", cert-file = \"" + meshClient[0] + "\", key-file = \"" + meshClient[1] + "\" } }\n";
            }
            if (!node.name.equals("a1")) {
                return "";
            }
            Path own = node.config.getParent();
            return "  imports.rc { kind = redis-cluster, listen = \"127.0.0.1:" + SEED + "\", datacenter = dc-b, node-ports = \""
                    + NODE_PORTS + "-" + (NODE_PORTS + 49) + "\", tls { cert-file = \"" + own.resolve("a1.crt") + "\", key-file = \""
                    + own.resolve("a1.key") + "\", auth-clients = no } }\n";
        });
    }

    @AfterAll
    static void stop() throws Exception {
        if (mesh != null) {
            mesh.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    /** A client's TLS: trusts the mesh CA, presents nothing (a1's import does not ask). */
    private static SSLSocketFactory meshClientTls() throws Exception {
        return TlsContext.load(TestCertificates.tls(Optional.empty(), mesh.caFile, TlsConfig.ClientAuth.NO, "TLSv1.2", "TLSv1.3"))
                .clientContext().getSocketFactory();
    }

    @Test
    void aTlsClusterClientWritesAndReadsThroughTheMeshAndSeesOnlyMeshEndpoints() throws Exception {
        DefaultJedisClientConfig config = DefaultJedisClientConfig.builder().ssl(true).sslSocketFactory(meshClientTls())
                .timeoutMillis(5000).build();
        Poll.until(TestMesh.CONVERGE, "every node of the TLS cluster with an endpoint on a1", () -> {
            try (Jedis seed = new Jedis(new HostAndPort("127.0.0.1", SEED), config)) {
                return seed.clusterNodes().lines().count() == 6 && !seed.clusterNodes().contains(RedisClusterFixture.HOST);
            } catch (RuntimeException e) {
                return false;
            }
        });
        try (JedisCluster client = new JedisCluster(Set.of(new HostAndPort("127.0.0.1", SEED)), config, 5,
                new ConnectionPoolConfig())) {
            for (int i = 0; i < 1000; i++) {
                client.set("tls:" + i, "v" + i);
            }
            for (int i = 0; i < 1000; i++) {
                assertEquals("v" + i, client.get("tls:" + i));
            }
        }
        DefaultJedisClientConfig direct = DefaultJedisClientConfig.builder().ssl(true)
                .sslSocketFactory(RedisClusterFixture.socketFactory(new RedisClusterFixture.Tls(dir.resolve("mesh.crt"),
                        dir.resolve("mesh.key"), dir.resolve("redis-ca.crt")))).build();
        try (JedisCluster real = new JedisCluster(Set.of(new HostAndPort(RedisClusterFixture.HOST, cluster.ports.get(0))), direct, 5,
                new ConnectionPoolConfig())) {
            assertEquals("v0", real.get("tls:0"), "the keys are in the real TLS cluster");
            assertEquals("v999", real.get("tls:999"));
        }
        try (Jedis seed = new Jedis(new HostAndPort("127.0.0.1", SEED), config)) {
            String replies = seed.clusterNodes() + RedisClusterMeshIT.deep(seed.sendCommand(Protocol.Command.CLUSTER, "SLOTS"))
                    + RedisClusterMeshIT.deep(seed.sendCommand(Protocol.Command.CLUSTER, "SHARDS"));
            assertTrue(!replies.contains(RedisClusterFixture.HOST), replies);
            for (int port : cluster.ports) {
                assertTrue(!replies.contains(Integer.toString(port)), "real port " + port + " in " + replies);
            }
        }
    }
}
