package io.cloakmesh.node.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloakmesh.crypto.pki.CertificateAuthority;
import io.cloakmesh.crypto.pki.PemOutput;
import io.cloakmesh.node.link.ServiceKinds;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every kind of bad node file is refused at start with the path of the setting at fault. */
class MeshSettingsTest {
    @TempDir
    static Path dir;
    static Path key;
    static Path token;
    static Path shortKey;

    @BeforeAll
    static void files() throws IOException {
        key = Files.write(dir.resolve("mesh.key"), new byte[32]);
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        token = Files.writeString(dir.resolve("admin.token"), "0123456789abcdef0123");
        Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-------"));
        shortKey = Files.write(dir.resolve("short.key"), new byte[5]);
        Files.setPosixFilePermissions(shortKey, PosixFilePermissions.fromString("rw-------"));
        CertificateAuthority ca = CertificateAuthority.create("settings test", Duration.ofDays(1));
        PemOutput.writeCertificate(dir.resolve("ca.crt"), ca.certificate());
        for (String node : new String[] {"a1", "b1"}) {
            CertificateAuthority.Issued issued = ca.issue(new CertificateAuthority.NodeRequest(node, java.util.List.of(),
                    java.util.List.of("127.0.0.1"), Instant.now().minusSeconds(60), Instant.now().plus(Duration.ofDays(1))));
            PemOutput.writeCertificate(dir.resolve(node + ".crt"), issued.certificate());
            PemOutput.writePrivateKey(dir.resolve(node + ".key"), issued.key(), java.util.Optional.empty());
        }
    }

    private static String valid() {
        return """
                cloakmesh {
                  node { name = "b1", datacenter = "dc-b" }
                  cluster { bind = "127.0.0.1:25520", seed-nodes = ["127.0.0.1:25520"] }
                  link { listen = "127.0.0.1:7100", security.key-file = "%s" }
                  exports.redis.targets = ["127.0.0.1:6379"]
                  imports.cache { listen = "127.0.0.1:6380", datacenter = "dc-a" }
                  admin { listen = "127.0.0.1:7700", token-file = "%s" }
                }
                """.formatted(key, token);
    }

    private static MeshSettings load(String text) throws Exception {
        Path file = Files.createTempFile(dir, "node", ".conf");
        Files.writeString(file, text);
        return MeshSettings.load(file, ServiceKinds.ALL);
    }

    @Test
    void aValidFileIsRead() throws Exception {
        MeshSettings s = load(valid());
        assertEquals("b1", s.nodeName());
        assertEquals("dc-b", s.datacenter());
        assertEquals(new HostPort("127.0.0.1", 6379), s.exports().get("redis").details(TcpTargets.class).targets().get(0));
        assertEquals("dc-a", s.imports().get("cache").datacenter().orElseThrow());
        assertEquals("keep-majority", s.cluster().sbrStrategy());
        assertEquals(s.cluster().bind(), s.cluster().canonical());
        assertEquals("0123456789abcdef0123", s.admin().orElseThrow().token());
    }

    /** Valid cluster TLS for b1, so that checks behind the plain-on-loopback rule can be reached. */
    private static String tls() {
        return "cloakmesh.cluster.tls { cert-file = \"" + dir.resolve("b1.crt") + "\", key-file = \"" + dir.resolve("b1.key")
                + "\", ca-cert-file = \"" + dir.resolve("ca.crt") + "\" }\n";
    }

    static Stream<Arguments> badFiles() {
        return Stream.of(
                Arguments.of("node name missing", "cloakmesh.node.name = \"\"", "cloakmesh.node.name", "required"),
                Arguments.of("bad datacenter", "cloakmesh.node.datacenter = \"dc b\"", "cloakmesh.node.datacenter", "not a valid name"),
                Arguments.of("bad bind", "cloakmesh.cluster.bind = \"localhost\"", "cloakmesh.cluster.bind", "host:port"),
                Arguments.of("port out of range", "cloakmesh.cluster.bind = \"127.0.0.1:70000\"", "cloakmesh.cluster.bind", "out of range"),
                Arguments.of("no seeds", "cloakmesh.cluster.seed-nodes = []", "cloakmesh.cluster.seed-nodes", "at least one"),
                Arguments.of("bad seed", "cloakmesh.cluster.seed-nodes = [\"127.0.0.1:1\", \"x\"]", "cloakmesh.cluster.seed-nodes[1]", "host:port"),
                Arguments.of("typo", "cloakmesh.link.max-link = 5", "cloakmesh.link.max-link", "unknown setting"),
                Arguments.of("unknown sbr", "cloakmesh.cluster.split-brain-resolver.active-strategy = lease", "cloakmesh.cluster.split-brain-resolver.active-strategy", "not one of"),
                Arguments.of("static quorum without size", "cloakmesh.cluster.split-brain-resolver.active-strategy = static-quorum", "cloakmesh.cluster.split-brain-resolver.quorum-size", "1 or more"),
                Arguments.of("bad duration", "cloakmesh.link.open-timeout = soon", "cloakmesh.link.open-timeout", "duration"),
                Arguments.of("zero duration", "cloakmesh.link.connect-timeout = 0s", "cloakmesh.link.connect-timeout", "positive"),
                Arguments.of("max-links", "cloakmesh.link.max-links = 0", "cloakmesh.link.max-links", "between 1"),
                Arguments.of("hedge not a flag", "cloakmesh.link.hedge = sometimes", "cloakmesh.link.hedge", "expected true or false"),
                Arguments.of("hedge delay bounds reversed", "cloakmesh.link.hedge-delay-min = 3s", "cloakmesh.link.hedge-delay-min",
                        "must not exceed hedge-delay-max"),
                Arguments.of("hedge delay past the open timeout", "cloakmesh.link { open-timeout = 1s, hedge-delay-max = 1s }",
                        "cloakmesh.link.hedge-delay-max", "shorter than open-timeout"),
                Arguments.of("cluster max-handshakes", "cloakmesh.cluster.max-handshakes = 0",
                        "cloakmesh.cluster.max-handshakes", "between 1"),
                Arguments.of("cluster handshake-timeout", "cloakmesh.cluster.handshake-timeout = 0s",
                        "cloakmesh.cluster.handshake-timeout", "positive"),
                Arguments.of("export without listener", "cloakmesh.link.listen = \"\"", "cloakmesh.link.listen", "exports redis"),
                Arguments.of("wildcard without advertise", "cloakmesh.link.listen = \"0.0.0.0:7100\"", "cloakmesh.link.advertise", "wildcard"),
                Arguments.of("no targets", "cloakmesh.exports.redis.targets = []", "cloakmesh.exports.redis.targets", "at least one"),
                Arguments.of("unknown kind", "cloakmesh.exports.redis.kind = udp", "cloakmesh.exports.redis.kind", "not supported"),
                Arguments.of("bad service name", "cloakmesh.exports.\"re dis\".targets = [\"127.0.0.1:1\"]", "cloakmesh.exports.re dis", "not a valid name"),
                Arguments.of("import without listen", "cloakmesh.imports.cache.listen = \"\"", "cloakmesh.imports.cache.listen", "required"),
                Arguments.of("import typo", "cloakmesh.imports.cache.datacentre = x", "cloakmesh.imports.cache.datacentre", "unknown setting"),
                Arguments.of("security mode", "cloakmesh.link.security.mode = ssl", "cloakmesh.link.security.mode", "not psk or tls"),
                Arguments.of("tls links without cluster tls", "cloakmesh.link.security.mode = tls", "cloakmesh.link.security.mode",
                        "tls uses the node's mesh certificate and CA of cluster.tls"),
                Arguments.of("two kinds of key setting", "cloakmesh.link.security.key-files = [\"/x\"]",
                        "cloakmesh.link.security.key-files", "set key-file or key-files, not both"),
                Arguments.of("missing key file", "cloakmesh.link.security.key-file = \"/nonexistent/mesh.key\"", "cloakmesh.link.security.key-file", "no such file"),
                Arguments.of("admin without token", "cloakmesh.admin.token-file = \"\"", "cloakmesh.admin.token-file", "required"),
                Arguments.of("wrong type", "cloakmesh.node = 5", "cloakmesh.node", "object"),
                Arguments.of("short mesh key", "cloakmesh.link.security.key-file = \"" + shortKey + "\"", "cloakmesh.link.security.key-file", "holds 5 bytes"),
                Arguments.of("key file is a directory", "cloakmesh.link.security.key-file = \"" + dir + "\"", "cloakmesh.link.security.key-file", "directory"),
                Arguments.of("two imports on one port", "cloakmesh.imports.other { listen = \"127.0.0.1:6380\" }", "cloakmesh.imports.other.listen", "is also cloakmesh.imports.cache.listen"),
                Arguments.of("admin on an import port", "cloakmesh.admin.listen = \"127.0.0.1:6380\"", "cloakmesh.admin.listen", "is also cloakmesh.imports.cache.listen"),
                Arguments.of("link on the cluster port", "cloakmesh.cluster.bind = \"127.0.0.1:7100\"", "cloakmesh.link.listen", "is also cloakmesh.cluster.bind"),
                Arguments.of("admin under a wildcard import", "cloakmesh.imports.cache.listen = \"0.0.0.0:7700\"", "cloakmesh.admin.listen", "is also cloakmesh.imports.cache.listen"),
                Arguments.of("unresolvable target", "cloakmesh.exports.redis.targets = [\"no-such-host.invalid:6379\"]", "cloakmesh.exports.redis.targets[0]", "cannot resolve host no-such-host.invalid"),
                Arguments.of("unresolvable seed", tls() + "cloakmesh.cluster.seed-nodes = [\"127.0.0.1:25520\", \"seed.invalid:25520\"]", "cloakmesh.cluster.seed-nodes[1]", "cannot resolve host seed.invalid"),
                Arguments.of("plain cluster off loopback", "cloakmesh.cluster.seed-nodes = [\"10.1.2.3:25520\"]", "cloakmesh.cluster.tls.cert-file", "only when every cluster address is loopback"),
                Arguments.of("tls without key", "cloakmesh.cluster.tls.cert-file = \"" + dir.resolve("b1.crt") + "\"", "cloakmesh.cluster.tls.key-file", "required with cert-file"),
                Arguments.of("tls without ca", "cloakmesh.cluster.tls { cert-file = \"" + dir.resolve("b1.crt") + "\", key-file = \"" + dir.resolve("b1.key") + "\" }", "cloakmesh.cluster.tls.ca-cert-file", "required"),
                Arguments.of("cluster tls auth-clients", "cloakmesh.cluster.tls { cert-file = \"" + dir.resolve("b1.crt") + "\", key-file = \"" + dir.resolve("b1.key") + "\", ca-cert-file = \"" + dir.resolve("ca.crt") + "\", auth-clients = optional }", "cloakmesh.cluster.tls.auth-clients", "must be yes"),
                Arguments.of("bad protocol", "cloakmesh.cluster.tls { cert-file = \"" + dir.resolve("b1.crt") + "\", key-file = \"" + dir.resolve("b1.key") + "\", ca-cert-file = \"" + dir.resolve("ca.crt") + "\", protocols = \"TLSv1.4\" }", "cloakmesh.cluster.tls.protocols", "not a protocol"),
                Arguments.of("admin tls without key", "cloakmesh.admin.tls.cert-file = \"" + dir.resolve("b1.crt") + "\"", "cloakmesh.admin.tls.key-file", "required with cert-file"),
                Arguments.of("admin tls asking clients without a ca", "cloakmesh.admin.tls { cert-file = \"" + dir.resolve("b1.crt") + "\", key-file = \"" + dir.resolve("b1.key") + "\", auth-clients = yes }", "cloakmesh.admin.tls.ca-cert-file", "required"),
                Arguments.of("cluster export without seeds", "cloakmesh.exports.rc { kind = redis-cluster, seeds = [] }",
                        "cloakmesh.exports.rc.seeds", "at least one seed"),
                Arguments.of("cluster export with targets", "cloakmesh.exports.rc { kind = redis-cluster, seeds = [\"127.0.0.2:7000\"], targets = [\"127.0.0.2:7000\"] }",
                        "cloakmesh.exports.rc.targets", "not used by kind redis-cluster"),
                Arguments.of("seeds on a tcp export", "cloakmesh.exports.redis.seeds = [\"127.0.0.2:7000\"]",
                        "cloakmesh.exports.redis.seeds", "only for kind redis-cluster"),
                Arguments.of("username without password", "cloakmesh.exports.rc { kind = redis-cluster, seeds = [\"127.0.0.2:7000\"], username = mesh }",
                        "cloakmesh.exports.rc.password-file", "required with username"),
                Arguments.of("allow-scripts not a flag", "cloakmesh.exports.rc { kind = redis-cluster, seeds = [\"127.0.0.2:7000\"], allow-scripts = sometimes }",
                        "cloakmesh.exports.rc.allow-scripts", "expected true or false"),
                Arguments.of("allow-scripts on a tcp export", "cloakmesh.exports.redis.allow-scripts = true",
                        "cloakmesh.exports.redis.allow-scripts", "only for kind redis-cluster"),
                Arguments.of("missing password file", "cloakmesh.exports.rc { kind = redis-cluster, seeds = [\"127.0.0.2:7000\"], password-file = \"/nonexistent/pw\" }",
                        "cloakmesh.exports.rc.password-file", "no such file"),
                Arguments.of("cluster import without node-ports", "cloakmesh.imports.rc { kind = redis-cluster, listen = \"127.0.0.1:7001\" }",
                        "cloakmesh.imports.rc.node-ports", "missing"),
                Arguments.of("bad node-ports", "cloakmesh.imports.rc { kind = redis-cluster, listen = \"127.0.0.1:7001\", node-ports = \"21000\" }",
                        "cloakmesh.imports.rc.node-ports", "not a port range"),
                Arguments.of("node-ports over the seed", "cloakmesh.imports.rc { kind = redis-cluster, listen = \"127.0.0.1:21005\", node-ports = \"21000-21099\" }",
                        "cloakmesh.imports.rc.node-ports", "contains the seed endpoint's port"),
                Arguments.of("node-ports over another listener", "cloakmesh.imports.rc { kind = redis-cluster, listen = \"127.0.0.1:6999\", node-ports = \"7000-7800\" }",
                        "cloakmesh.imports.rc.node-ports", "contains cloakmesh.link.listen"),
                Arguments.of("wildcard node host", "cloakmesh.imports.rc { kind = redis-cluster, listen = \"0.0.0.0:7001\", node-ports = \"21000-21099\" }",
                        "cloakmesh.imports.rc.listen", "wildcard"),
                Arguments.of("unknown transport", "cloakmesh.transport = epoll", "cloakmesh.transport", "must be netty or pekko-io"),
                Arguments.of("node-ports on a tcp import", "cloakmesh.imports.cache.node-ports = \"21000-21099\"",
                        "cloakmesh.imports.cache.node-ports", "only for kind redis-cluster"),
                Arguments.of("filter regex", "cloakmesh.exports.redis.filter.block_key_regex = [\"ok\", \"a(b\"]",
                        "cloakmesh.exports.redis.filter.block_key_regex[1]", "not an RE2 regex"),
                Arguments.of("filter db", "cloakmesh.exports.redis.filter.allow_db = [\"0\", \"one\"]",
                        "cloakmesh.exports.redis.filter.allow_db[1]", "not a db number"),
                Arguments.of("filter group", "cloakmesh.exports.redis.filter.block_command_group = [STRINGS]",
                        "cloakmesh.exports.redis.filter.block_command_group[0]", "not a command group"),
                Arguments.of("filter mode", "cloakmesh.exports.redis.filter.mode = lenient",
                        "cloakmesh.exports.redis.filter.mode", "not strict or compat"),
                Arguments.of("filter typo", "cloakmesh.exports.redis.filter.block_key_prefixes = [a]",
                        "cloakmesh.exports.redis.filter.block_key_prefixes", "unknown setting"),
                Arguments.of("filter size", "cloakmesh.exports.redis.filter.max-command-bytes = 10",
                        "cloakmesh.exports.redis.filter.max-command-bytes", "between 1024"),
                Arguments.of("TLS import without a certificate", "cloakmesh.imports.cache.tls { ca-cert-file = \"" + dir.resolve("ca.crt") + "\" }",
                        "cloakmesh.imports.cache.tls.cert-file", "required: a TLS import serves"),
                Arguments.of("TLS import asking certificates without a CA", "cloakmesh.imports.cache.tls { cert-file = \"" + dir.resolve("b1.crt")
                        + "\", key-file = \"" + dir.resolve("b1.key") + "\" }", "cloakmesh.imports.cache.tls.ca-cert-file",
                        "required to check client certificates while auth-clients is yes"),
                Arguments.of("TLS export without a CA", "cloakmesh.exports.redis.tls { cert-file = \"" + dir.resolve("b1.crt")
                        + "\", key-file = \"" + dir.resolve("b1.key") + "\" }", "cloakmesh.exports.redis.tls.ca-cert-file",
                        "required: the CA that signed the Redis server's"),
                Arguments.of("TLS export with a missing CA file", "cloakmesh.exports.redis.tls.ca-cert-file = \"/nonexistent/ca.crt\"",
                        "cloakmesh.exports.redis.tls.ca-cert-file", "/nonexistent/ca.crt"),
                Arguments.of("TLS block typo", "cloakmesh.exports.redis.tls.ca-file = x", "cloakmesh.exports.redis.tls.ca-file",
                        "unknown setting"),
                Arguments.of("certificate of another node", "cloakmesh.cluster.tls { cert-file = \"" + dir.resolve("a1.crt") + "\", key-file = \"" + dir.resolve("a1.key") + "\", ca-cert-file = \"" + dir.resolve("ca.crt") + "\" }", "cloakmesh.cluster.tls.cert-file", "names node a1, not b1"));
    }

    @Test
    void clusterTlsWithTheNodesOwnCertificateIsRead() throws Exception {
        MeshSettings s = load(valid() + "cloakmesh.cluster.tls { cert-file = \"" + dir.resolve("b1.crt") + "\", key-file = \""
                + dir.resolve("b1.key") + "\", ca-cert-file = \"" + dir.resolve("ca.crt") + "\" }\n");
        assertEquals(java.util.List.of("TLSv1.2", "TLSv1.3"), s.cluster().tls().orElseThrow().protocols());
        assertTrue(s.cluster().tls().orElseThrow().sessionCaching());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badFiles")
    void badSettingIsNamed(String what, String override, String path, String reason) {
        InvalidSettingException e = assertThrows(InvalidSettingException.class, () -> load(valid() + override + "\n"));
        assertEquals(path, e.path(), e.getMessage());
        assertTrue(e.getMessage().contains(reason), e.getMessage());
    }

    @Test
    void keyFileReadableByOthersIsRefused() throws Exception {
        Path open = Files.write(dir.resolve("open.key"), new byte[32]);
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-r--r--"));
        InvalidSettingException e = assertThrows(InvalidSettingException.class,
                () -> load(valid() + "cloakmesh.link.security.key-file = \"" + open + "\"\n"));
        assertEquals("cloakmesh.link.security.key-file", e.path());
        assertTrue(e.getMessage().contains("readable by other users"), e.getMessage());
    }

    @Test
    void aRedisClusterExportAndImportAreRead() throws Exception {
        Path password = Files.writeString(dir.resolve("redis.password"), "s3cret\n");
        Files.setPosixFilePermissions(password, PosixFilePermissions.fromString("rw-------"));
        MeshSettings s = load(valid() + "cloakmesh.exports.rc { kind = redis-cluster, seeds = [\"127.0.0.2:7000\"], username = mesh,"
                + " password-file = \"" + password + "\" }\n"
                + "cloakmesh.imports.rcin { kind = redis-cluster, listen = \"127.0.0.1:7001\", node-ports = \"21000-21099\" }\n");
        ExportSettings export = s.exports().get("rc");
        assertEquals("redis-cluster", export.kind());
        assertEquals(new RedisCredentials("mesh", "s3cret"), export.details(RedisClusterSource.class).credentials().orElseThrow());
        assertTrue(!export.toString().contains("s3cret"), export.toString());
        assertTrue(!export.details(RedisClusterSource.class).allowScripts(), "scripts are refused unless allowed");
        NodeEndpoints endpoints = s.imports().get("rcin").details(NodeEndpoints.class);
        assertEquals(new NodeEndpoints("127.0.0.1", 21000, 21099, Duration.ofMinutes(5), Duration.ofSeconds(3)),
                endpoints);
        assertEquals("tcp", s.imports().get("cache").kind());
    }

    @Test
    void aFilterBlockIsReadWithRedisShakesNames() throws Exception {
        MeshSettings s = load(valid() + "cloakmesh.exports.redis.filter { allow_key_prefix = [\"t1:\"], block_command = [config, "
                + "\"FLUSHALL\"], block_command_group = [sorted-set], allow_db = [0], rename-command { XFLUSHDB = flushdb } }\n");
        io.cloakmesh.protocol.filter.FilterRules rules = s.exports().get("redis").filter().orElseThrow()
                .rules(io.cloakmesh.protocol.filter.CommandTable.bundled());
        assertEquals(io.cloakmesh.protocol.filter.FilterRules.Mode.STRICT, rules.mode());
        assertEquals(java.util.Set.of("CONFIG", "FLUSHALL"), rules.blockCommand());
        assertEquals(java.util.Set.of("SORTED_SET"), rules.blockGroup());
        assertEquals(java.util.Map.of("XFLUSHDB", "FLUSHDB"), rules.renames());
        assertTrue(load(valid()).exports().get("redis").filter().isEmpty(), "no filter block, no filter");
    }

    @Test
    void aRuleSetOnItsOwnIsReadOverTheDefaultsOrRefusedWholeNamingTheLine() throws Exception {
        FilterSettings bare = FilterSettings.parse("# tenant 1\nallow_key_prefix = [\"t1:\"]\nmode = compat\n");
        assertEquals(java.util.List.of("t1:"), bare.lists().get("allow_key_prefix"));
        assertEquals("compat", bare.mode());
        assertEquals("allow", bare.inline(), "what the file leaves out comes from filter-defaults");
        assertEquals(bare, FilterSettings.parse("filter {\n  allow_key_prefix = [\"t1:\"]\n  mode = compat\n}\n"),
                "a whole filter block reads the same");
        for (String[] bad : new String[][] {
            {"allow_keys = [a]\nblock_key_regex = [\"ok\",\n  \"a(b\"]\n", "line 3: block_key_regex[1]: not an RE2 regex"},
            {"allow_keys = [a]\n\nmode = lenient\n", "line 3: mode: \"lenient\" is not strict or compat"},
            {"allow_keys = [a]\nblock_keys = [\n", "rules: line 3: List should have ]"},
            {"allow_key = [a]\n", "line 1: allow_key: unknown setting"},
        }) {
            InvalidSettingException e = assertThrows(InvalidSettingException.class, () -> FilterSettings.parse(bad[0]));
            assertTrue(e.getMessage().startsWith(bad[1]), e.getMessage());
        }
    }

    @Test
    void serviceTlsBlocksAreReadOverTlsDefaults() throws Exception {
        String ca = "ca-cert-file = \"" + dir.resolve("ca.crt") + "\"";
        MeshSettings s = load(valid() + "cloakmesh.imports.cache.tls { cert-file = \"" + dir.resolve("b1.crt") + "\", key-file = \""
                + dir.resolve("b1.key") + "\", " + ca + ", protocols = TLSv1.3 }\n"
                + "cloakmesh.exports.redis.tls { " + ca + ", prefer-server-ciphers = yes }\n");
        io.cloakmesh.crypto.tls.TlsConfig in = s.imports().get("cache").tls().orElseThrow();
        assertEquals(java.util.List.of("TLSv1.3"), in.protocols());
        assertEquals(io.cloakmesh.crypto.tls.TlsConfig.ClientAuth.YES, in.authClients(), "Redis's default");
        io.cloakmesh.crypto.tls.TlsConfig out = s.exports().get("redis").tls().orElseThrow();
        assertTrue(out.preferServerCiphers() && out.certFile().isEmpty());
        assertTrue(load(valid()).imports().get("cache").tls().isEmpty(), "no tls block, no TLS");
    }

    @Test
    void aPasswordFileReadableByOthersIsRefused() throws Exception {
        Path open = Files.writeString(dir.resolve("open.password"), "s3cret");
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-r--r--"));
        InvalidSettingException e = assertThrows(InvalidSettingException.class, () -> load(valid()
                + "cloakmesh.exports.rc { kind = redis-cluster, seeds = [\"127.0.0.2:7000\"], password-file = \"" + open + "\" }\n"));
        assertEquals("cloakmesh.exports.rc.password-file", e.path());
        assertTrue(e.getMessage().contains("readable by other users"), e.getMessage());
    }

    @Test
    void syntaxErrorNamesTheFile() {
        InvalidSettingException e = assertThrows(InvalidSettingException.class, () -> load("cloakmesh { node {"));
        assertTrue(e.path().endsWith(".conf"), e.getMessage());
    }
}
