package io.cloakmesh.node.testing;

import io.cloakmesh.crypto.tls.TlsConfig;
import io.cloakmesh.crypto.tls.TlsContext;
import io.cloakmesh.crypto.tls.TlsException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;

/**
 * A real Redis Cluster of {@code primaries} primaries with one replica each, on 127.0.0.2 (so that its
 * addresses differ from everything the mesh listens on; its bus connections leave from that address too,
 * or the nodes would learn each other as 127.0.0.1; protected mode is off, since it takes only 127.0.0.1
 * for loopback and would refuse the replicas), made by {@code redis-cli --cluster create}
 * and returned once every node reports {@code cluster_state:ok} and knows all the others, and every
 * replica has synced with its primary.
 */
public final class RedisClusterFixture implements AutoCloseable {
    public static final String HOST = "127.0.0.2";

    /** A TLS cluster's material: every node serves and presents {@code cert}, clients must too (of {@code ca}). */
    public record Tls(Path cert, Path key, Path ca) {
    }

    private final Path dir;
    private final Optional<Tls> tls;
    private final List<ExternalProcess> servers = new ArrayList<>();
    public final List<Integer> ports = new ArrayList<>();

    private RedisClusterFixture(Path dir, Optional<Tls> tls) {
        this.dir = dir;
        this.tls = tls;
    }

    public static RedisClusterFixture start(int primaries) throws Exception {
        return start(primaries, Optional.empty());
    }

    /**
     * With {@code tls}: every node listens on a tls-port only (port 0), with tls-cluster, tls-replication
     * and tls-auth-clients yes.
     */
    public static RedisClusterFixture start(int primaries, Optional<Tls> tls) throws Exception {
        RedisClusterFixture cluster = new RedisClusterFixture(Files.createTempDirectory("cloakmesh-redis-cluster"), tls);
        try {
            cluster.startServers(primaries * 2);
            cluster.create();
            return cluster;
        } catch (Exception | AssertionError e) {
            cluster.close();
            throw e;
        }
    }

    private void startServers(int count) throws IOException {
        for (int i = 0; i < count; i++) {
            int port = portWithBusPort();
            List<String> command = new ArrayList<>(List.of("redis-server", "--port", Integer.toString(port),
                    "--bind", HOST, "--bind-source-addr", HOST, "--protected-mode", "no", "--cluster-enabled", "yes",
                    "--cluster-config-file", dir.resolve("nodes-" + port + ".conf").toString(), "--dir", dir.toString(),
                    "--save", "", "--appendonly", "no", "--daemonize", "no", "--cluster-node-timeout", "2000"));
            tls.ifPresent(t -> command.addAll(List.of("--port", "0", "--tls-port", Integer.toString(port), "--tls-cluster", "yes",
                    "--tls-replication", "yes", "--tls-auth-clients", "yes", "--tls-cert-file", t.cert().toString(),
                    "--tls-key-file", t.key().toString(), "--tls-ca-cert-file", t.ca().toString())));
            servers.add(ExternalProcess.start(command));
            ports.add(port);
        }
        for (int port : ports) {
            Poll.until(Duration.ofSeconds(10), "redis-server on " + HOST + ":" + port, () -> answers(port));
        }
    }

    /**
     * A port whose bus port (port + 10000, which CLUSTER MEET assumes) is free too: both below the
     * ephemeral range (32768 on Linux), so no outgoing connection takes them meanwhile.
     */
    private static int portWithBusPort() {
        for (int tries = 0; tries < 1000; tries++) {
            int port = 20000 + NEXT.getAndIncrement() % 2768;
            if (free(port) && free(port + 10000)) {
                return port;
            }
        }
        throw new IllegalStateException("no free port pair in 20000-32767");
    }

    private static final java.util.concurrent.atomic.AtomicInteger NEXT =
            new java.util.concurrent.atomic.AtomicInteger((int) (ProcessHandle.current().pid() * 7 % 2768));

    private static boolean free(int port) {
        try (java.net.ServerSocket s = new java.net.ServerSocket(port, 1, java.net.InetAddress.getByName(HOST))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private void create() throws Exception {
        List<String> command = new ArrayList<>(List.of("redis-cli"));
        tls.ifPresent(t -> command.addAll(List.of("--tls", "--cacert", t.ca().toString(), "--cert", t.cert().toString(),
                "--key", t.key().toString())));
        command.addAll(List.of("--cluster", "create"));
        ports.forEach(p -> command.add(HOST + ":" + p));
        command.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
        Process create = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(create.getInputStream().readAllBytes());
        if (create.waitFor() != 0) {
            throw new IllegalStateException("redis-cli --cluster create failed:\n" + output);
        }
        Poll.until(Duration.ofSeconds(30), "every node of the Redis Cluster reporting ok and synced", () -> {
            for (int port : ports) {
                try (Jedis jedis = jedis(port, 2000)) {
                    String info = jedis.clusterInfo();
                    if (!info.contains("cluster_state:ok") || !info.contains("cluster_known_nodes:" + ports.size())) {
                        return false;
                    }
                    String replication = jedis.info("replication");
                    if (replication.contains("role:slave") && !replication.contains("master_link_status:up")) {
                        return false;
                    }
                } catch (RuntimeException e) {
                    return false;
                }
            }
            return true;
        });
    }

    /** SIGKILLs the node on {@code port}, as a crash would. */
    public void kill(int port) throws InterruptedException {
        servers.get(ports.indexOf(port)).process.destroyForcibly().waitFor();
    }

    /** A client of the node on {@code port}, over TLS with the cluster's certificate for a TLS cluster. */
    public Jedis jedis(int port, int timeoutMillis) {
        DefaultJedisClientConfig.Builder config = DefaultJedisClientConfig.builder().timeoutMillis(timeoutMillis);
        tls.ifPresent(t -> config.ssl(true).sslSocketFactory(socketFactory(t)));
        return new Jedis(new HostAndPort(HOST, port), config.build());
    }

    /** Trusts the cluster's CA and presents its certificate. */
    public static javax.net.ssl.SSLSocketFactory socketFactory(Tls t) {
        try {
            return TlsContext.load(new TlsConfig(Optional.of(t.cert()), Optional.of(t.key()), Optional.empty(), Optional.empty(),
                    Optional.empty(), Optional.empty(), Optional.of(t.ca()), Optional.empty(), List.of("TLSv1.2", "TLSv1.3"),
                    List.of(), List.of(), false, TlsConfig.ClientAuth.NO, false, 1, Duration.ofSeconds(1)))
                    .clientContext().getSocketFactory();
        } catch (TlsException e) {
            throw new IllegalStateException(e);
        }
    }

    private boolean answers(int port) {
        try (Jedis jedis = jedis(port, 500)) {
            return "PONG".equals(jedis.ping());
        } catch (RuntimeException e) {
            return false;
        }
    }

    @Override
    public void close() throws Exception {
        for (ExternalProcess server : servers) {
            server.close();
        }
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
