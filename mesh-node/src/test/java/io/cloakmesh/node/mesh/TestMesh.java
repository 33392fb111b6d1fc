package io.cloakmesh.node.mesh;

import com.fasterxml.jackson.databind.JsonNode;
import io.cloakmesh.crypto.pki.CertificateAuthority;
import io.cloakmesh.crypto.pki.PemOutput;
import io.cloakmesh.node.testing.ExternalProcess;
import io.cloakmesh.node.testing.Poll;
import io.cloakmesh.node.testing.TestCertificates;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Four real nodes (a1, a2 in dc-a importing "redis"; b1, b2 in dc-b exporting it, and a plain TCP service
 * "half" that a1 imports) and a real
 * redis-server, each node its own JVM started by scripts/mesh-node, with the admin API on and the
 * cluster over mutual TLS with certificates of a CA made for the test.
 */
final class TestMesh implements AutoCloseable {
    static final Duration CONVERGE = Duration.ofSeconds(90);

    final Path dir;
    final Path caFile;
    final CertificateAuthority ca;
    final Path tokenFile;
    final String token;
    final int redisPort;
    /** Target of the "half" service that b1 and b2 export: a test listens there when it needs it. */
    final int halfServicePort;
    /** Where a1 imports the "half" service. */
    final int halfImportPort;
    final MeshNodeProcess a1;
    final MeshNodeProcess a2;
    final MeshNodeProcess b1;
    final MeshNodeProcess b2;
    final List<MeshNodeProcess> nodes;
    private final ExternalProcess redis;
    private final String common;
    private final java.util.function.Function<MeshNodeProcess, String> extra;

    TestMesh(String name) throws Exception {
        this(name, false);
    }

    /**
     * @param thirdNodes also a3 and b3, which neither import nor export: with three nodes per datacenter
     *     the split-brain resolver keeps either survivor of a crashed or frozen node (docs/configuration.md)
     */
    TestMesh(String name, boolean thirdNodes) throws Exception {
        this(name, thirdNodes, node -> "");
    }

    /** @param extra HOCON added to each node's file inside the cloakmesh block, by node */
    TestMesh(String name, boolean thirdNodes, java.util.function.Function<MeshNodeProcess, String> extra) throws Exception {
        this.extra = extra;
        dir = Files.createTempDirectory(name);
        ca = CertificateAuthority.create("test mesh", Duration.ofDays(30));
        caFile = dir.resolve("ca.crt");
        PemOutput.writeCertificate(caFile, ca.certificate());
        Path key = Files.write(dir.resolve("mesh.key"), new SecureRandom().generateSeed(32));
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        token = HexFormat.of().formatHex(new SecureRandom().generateSeed(16));
        tokenFile = Files.writeString(dir.resolve("admin.token"), token);
        Files.setPosixFilePermissions(tokenFile, PosixFilePermissions.fromString("rw-------"));
        redisPort = Poll.freePort();
        halfServicePort = Poll.freePort();
        halfImportPort = Poll.freePort();
        redis = ExternalProcess.redis(redisPort);

        int[] cluster = {Poll.freePort(), Poll.freePort(), Poll.freePort(), Poll.freePort()};
        common = """
                cloakmesh {
                  cluster { seed-nodes = ["127.0.0.1:%d", "127.0.0.1:%d"], split-brain-resolver.stable-after = 5s,
                            failure-detector.acceptable-heartbeat-pause = 3s, tls.ca-cert-file = "%s" }
                  link.security.key-file = "%s"
                  admin.token-file = "%s"
                  routing.load-publish-interval = 500ms
                  shutdown.drain-deadline = 20s
                  metrics.log-interval = 0
                }
                """.formatted(cluster[0], cluster[2], caFile, key, tokenFile);
        a1 = node("a1", "dc-a", cluster[0], 0, Poll.freePort());
        a2 = node("a2", "dc-a", cluster[1], 0, Poll.freePort());
        b1 = node("b1", "dc-b", cluster[2], Poll.freePort(), 0);
        b2 = node("b2", "dc-b", cluster[3], Poll.freePort(), 0);
        nodes = thirdNodes
                ? List.of(a1, a2, b1, b2, node("a3", "dc-a", Poll.freePort(), 0, 0), node("b3", "dc-b", Poll.freePort(), 0, 0))
                : List.of(a1, a2, b1, b2);
        try {
            for (MeshNodeProcess n : nodes) {
                n.start();
            }
            awaitActiveExporters(nodes, "b1", "b2");
        } catch (Exception | Error e) {
            // The test class never gets this mesh to close, so its processes must not outlive the failure.
            close();
            throw e;
        }
    }

    private MeshNodeProcess node(String name, String dc, int clusterPort, int linkPort, int importPort) throws IOException {
        int adminPort = Poll.freePort();
        MeshNodeProcess node = new MeshNodeProcess(name, dir.resolve(name + ".conf"), clusterPort, adminPort, linkPort,
                importPort, token);
        issueCertificate(name, ca, "");
        writeConfig(node, dc, extra.apply(node));
        return node;
    }

    /**
     * Writes {@code <name><suffix>.crt} and {@code .key} in the test directory: a certificate of
     * {@code authority} for node {@code name} at 127.0.0.1, valid from an hour ago for a day.
     */
    Path[] issueCertificate(String name, CertificateAuthority authority, String suffix) throws IOException {
        Instant now = Instant.now();
        return issueCertificate(name, authority, suffix, now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(1)));
    }

    Path[] issueCertificate(String name, CertificateAuthority authority, String suffix, Instant from, Instant to)
            throws IOException {
        return TestCertificates.issue(authority, dir, name, "127.0.0.1", name + suffix, from, to);
    }

    /** The node-file line that gives a node its cluster certificate and key. */
    static String clusterTls(Path cert, Path key) {
        return "  cluster.tls { cert-file = \"" + cert + "\", key-file = \"" + key + "\" }\n";
    }

    /** The node's /metrics, Prometheus text. */
    String metrics(MeshNodeProcess node) throws Exception {
        java.net.http.HttpResponse<String> response = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + node.adminPort + "/metrics"))
                        .header("Authorization", "Bearer " + token).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new AssertionError("/metrics of " + node.name + ": HTTP " + response.statusCode());
        }
        return response.body();
    }

    /** (Re)writes a node's file: its fixed part plus {@code extra} HOCON inside the cloakmesh block. */
    void writeConfig(MeshNodeProcess node, String dc, String extra) throws IOException {
        StringBuilder conf = new StringBuilder(common).append("cloakmesh {\n")
                .append("  node { name = ").append(node.name).append(", datacenter = ").append(dc).append(" }\n")
                .append("  cluster.bind = \"127.0.0.1:").append(node.clusterPort).append("\"\n")
                .append(clusterTls(dir.resolve(node.name + ".crt"), dir.resolve(node.name + ".key")))
                .append("  admin.listen = \"127.0.0.1:").append(node.adminPort).append("\"\n");
        if (node.linkPort != 0) {
            conf.append("  link.listen = \"127.0.0.1:").append(node.linkPort).append("\"\n")
                    .append("  exports.redis.targets = [\"127.0.0.1:").append(redisPort).append("\"]\n")
                    .append("  exports.half.targets = [\"127.0.0.1:").append(halfServicePort).append("\"]\n");
        }
        if (node.importPort != 0) {
            conf.append("  imports.redis { listen = \"127.0.0.1:").append(node.importPort).append("\", datacenter = dc-b }\n");
            if (node.name.equals("a1")) {
                conf.append("  imports.half { listen = \"127.0.0.1:").append(halfImportPort).append("\", datacenter = dc-b }\n");
            }
        }
        conf.append(extra).append("}\n");
        Files.writeString(node.config, conf);
    }

    /** node name → "STATE reachable|unreachable linkPort" for the redis service, as {@code observer} sees it. */
    static Map<String, String> exporters(MeshNodeProcess observer) {
        Map<String, String> seen = new TreeMap<>();
        try {
            for (JsonNode service : observer.get("/v1/services").get("services")) {
                if (!service.get("service").asText().equals("redis")) {
                    continue;
                }
                for (JsonNode e : service.get("exporters")) {
                    String link = e.get("link").asText();
                    seen.put(e.get("node").asText(), e.get("state").asText() + " "
                            + (e.get("reachable").asBoolean() ? "reachable" : "unreachable") + " "
                            + link.substring(link.lastIndexOf(':') + 1));
                }
            }
        } catch (IOException e) {
            seen.put("error", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return seen;
    }

    static boolean activeExactly(MeshNodeProcess observer, String... names) {
        Map<String, String> seen = exporters(observer);
        if (seen.size() != names.length) {
            return false;
        }
        for (String n : names) {
            String s = seen.get(n);
            if (s == null || !s.startsWith("ACTIVE reachable")) {
                return false;
            }
        }
        return true;
    }

    static void awaitActiveExporters(List<MeshNodeProcess> observers, String... names) {
        for (MeshNodeProcess o : observers) {
            try {
                Poll.until(CONVERGE, o.name + " seeing exporters " + String.join(",", names) + " active",
                        () -> activeExactly(o, names));
            } catch (AssertionError e) {
                StringBuilder logs = new StringBuilder();
                observers.forEach(n -> logs.append("\n--- ").append(n.name).append('\n').append(n.output()));
                throw new AssertionError(e.getMessage() + "; it sees " + exporters(o) + logs, e);
            }
        }
    }

    /** A counter of the redis service on {@code node} (role import or export). */
    static int counter(MeshNodeProcess node, String role, String field) {
        try {
            JsonNode c = node.counters(role, "redis");
            return c == null ? 0 : c.get(field).asInt();
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** What {@code listener} ("cluster", "link", an import's name) of {@code node} turned away, by reason. */
    static Map<String, Long> listenerEvents(MeshNodeProcess node, String listener) throws IOException, InterruptedException {
        Map<String, Long> events = new TreeMap<>();
        for (JsonNode c : node.get("/v1/node").get("listenerEvents")) {
            if (c.get("listener").asText().equals(listener)) {
                events.put(c.get("reason").asText(), c.get("count").asLong());
            }
        }
        return events;
    }

    /** Each reason's count went up by at least the number given, between the two snapshots of {@link #listenerEvents}. */
    static void assertRefusals(Map<String, Long> before, Map<String, Long> after, Map<String, Integer> atLeast) {
        atLeast.forEach((reason, n) -> org.junit.jupiter.api.Assertions.assertTrue(
                after.getOrDefault(reason, 0L) - before.getOrDefault(reason, 0L) >= n, reason + ": " + before + " then " + after));
    }

    @Override
    public void close() throws Exception {
        for (MeshNodeProcess n : nodes) {
            n.close();
        }
        redis.close();
        // Failed assertions carry the node logs they need, so the directory can go.
        try (var files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
