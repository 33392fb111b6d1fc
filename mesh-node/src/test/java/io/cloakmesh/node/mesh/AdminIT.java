package io.cloakmesh.node.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.cloakmesh.node.testing.Poll;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import redis.clients.jedis.Jedis;

/** The admin API and the real mesh-admin CLI (scripts/mesh-admin) against four real nodes. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AdminIT {
    private static final Path CLI = AdminCli.SCRIPT;
    private TestMesh mesh;

    @BeforeAll
    void startMesh() throws Exception {
        mesh = new TestMesh("cloakmesh-admin-it");
    }

    @AfterAll
    void stopMesh() throws Exception {
        mesh.close();
    }

    private AdminCli.Run cli(MeshNodeProcess node, String... args) throws Exception {
        return AdminCli.run(mesh, node, args);
    }

    private static AdminCli.Run cli(List<String> command) throws Exception {
        return AdminCli.run(command);
    }

    @Test
    @Order(1)
    void everyRouteRefusesAMissingOrWrongToken() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        for (String path : List.of("/v1/status", "/v1/members", "/v1/nodes/b2/drain", "/metrics", "/cluster/members/")) {
            for (String header : List.of("", "Bearer wrong-token-0123456789")) {
                HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + mesh.b1.adminPort + path));
                if (!header.isEmpty()) {
                    request.header("Authorization", header);
                }
                HttpResponse<String> response = http.send(path.contains("drain")
                        ? request.POST(HttpRequest.BodyPublishers.noBody()).build() : request.GET().build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(401, response.statusCode(), path + " with '" + header + "'");
            }
        }
        assertFalse(TestMesh.exporters(mesh.a1).getOrDefault("b2", "").startsWith("DRAINING"), "the refused drain did nothing");
        Path wrong = Files.writeString(mesh.dir.resolve("wrong.token"), "not-the-token-at-all");
        Files.setPosixFilePermissions(wrong, PosixFilePermissions.fromString("rw-------"));
        AdminCli.Run run = cli(List.of(CLI.toString(), "--url", "http://127.0.0.1:" + mesh.b1.adminPort, "--token-file",
                wrong.toString(), "status"));
        assertEquals(1, run.status());
        assertTrue(run.err().contains("refused the token (401)"), run.err());
        // The right token in a file others can read is refused before anything is sent, as nodes refuse it.
        Path exposed = Files.writeString(mesh.dir.resolve("exposed.token"), mesh.token);
        Files.setPosixFilePermissions(exposed, PosixFilePermissions.fromString("rw-r--r--"));
        AdminCli.Run refused = cli(List.of(CLI.toString(), "--url", "http://127.0.0.1:" + mesh.b1.adminPort, "--token-file",
                exposed.toString(), "status"));
        assertEquals(1, refused.status());
        assertTrue(refused.err().contains("readable by other users"), refused.err());
        // A --url that names another port of the node is explained.
        AdminCli.Run notHttp = cli(List.of(CLI.toString(), "--url", "http://127.0.0.1:" + mesh.b1.linkPort, "--token-file",
                mesh.tokenFile.toString(), "status"));
        assertEquals(1, notHttp.status());
        assertTrue(notHttp.err().contains("is it a node's admin.listen address"), notHttp.err());
    }

    @Test
    @Order(2)
    void membersAndServicesShowTheWholeMesh() throws Exception {
        AdminCli.Run members = cli(mesh.b2, "members");
        assertEquals(0, members.status(), members.err());
        for (String row : List.of("a1 .* dc-a +Up +yes", "a2 .* dc-a +Up +yes", "b1 .* dc-b +Up +yes", "b2 .* dc-b +Up +yes")) {
            assertTrue(members.out().lines().anyMatch(l -> l.matches(row)), row + " in\n" + members.out());
        }
        JsonNode json = cli(mesh.b2, "--json", "members").json();
        assertEquals(4, json.get("members").size());
        assertEquals(0, json.get("unanswered").size());

        AdminCli.Run services = cli(mesh.a2, "services");
        assertEquals(0, services.status(), services.err());
        assertTrue(services.out().lines().anyMatch(l -> l.matches("redis +export +b1 +dc-b +127.0.0.1:" + mesh.b1.linkPort
                + " +active +yes.*")), services.out());
        assertTrue(services.out().lines().anyMatch(l -> l.matches("redis +import +a1 +dc-a +127.0.0.1:" + mesh.a1.importPort
                + " +from dc-b.*")), services.out());

        JsonNode routes = cli(mesh.b1, "routes", "--json").json();
        JsonNode a1Route = null;
        for (JsonNode r : routes.get("routes")) {
            if (r.get("entry").asText().equals("a1")) {
                a1Route = r;
            }
        }
        assertEquals(2, a1Route.get("exporters").size(), routes.toString());
        AdminCli.Run status = cli(mesh.a1, "status");
        assertTrue(status.out().contains("4 Up"), status.out());
    }

    @Test
    @Order(2)
    void everyReadCommandPrintsATableAndJson() throws Exception {
        Map<String, String> listOf = Map.of("members", "members", "services", "services", "routes", "routes",
                "connections", "connections", "stats", "nodes", "status", "members");
        for (Map.Entry<String, String> command : listOf.entrySet()) {
            AdminCli.Run table = cli(mesh.a2, command.getKey());
            assertEquals(0, table.status(), command.getKey() + ": " + table.err());
            assertTrue(table.out().lines().findFirst().orElse("").matches("[A-Z][A-Z ()]+"),
                    command.getKey() + " starts with a header row:\n" + table.out());
            JsonNode json = cli(mesh.a2, "--json", command.getKey()).json();
            assertTrue(json.has(command.getValue()), command.getKey() + " --json: " + json);
            assertEquals(0, json.get("unanswered").size(), command.getKey() + " --json: " + json);
        }
    }

    @Test
    @Order(3)
    void aConnectionThroughAnImportShowsOnANodeInTheOtherDatacenter() throws Exception {
        try (Jedis client = new Jedis("127.0.0.1", mesh.a1.importPort)) {
            assertEquals("OK", client.set("admin:key", "admin value"));
            JsonNode json = cli(mesh.b1, "connections", "--service", "redis", "--json").json();
            JsonNode entry = null;
            JsonNode exit = null;
            for (JsonNode c : json.get("connections")) {
                if (c.get("node").asText().equals("a1") && c.get("role").asText().equals("import")) {
                    entry = c;
                }
                if (c.get("role").asText().equals("export")) {
                    exit = c;
                }
            }
            assertTrue(entry != null && exit != null, json.toString());
            assertTrue(entry.get("peer").asText().matches("b[12] \\(127.0.0.1:\\d+\\)"), entry.toString());
            assertTrue(entry.get("bytesToService").asLong() > 0 && entry.get("bytesFromService").asLong() > 0, entry.toString());
            assertEquals("127.0.0.1:" + mesh.redisPort, exit.get("peer").asText());
            AdminCli.Run table = cli(mesh.b1, "connections");
            assertTrue(table.out().lines().anyMatch(l -> l.matches("a1 +dc-a +redis +import +/127.0.0.1:\\d+ +b[12] .*")),
                    table.out());
            AdminCli.Run stats = cli(mesh.b2, "stats");
            assertTrue(stats.out().lines().anyMatch(l -> l.matches("a1 +dc-a +redis +import +1 +\\d+ .*")), stats.out());
        }
        HttpResponse<String> metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + mesh.a1.adminPort + "/metrics"))
                .header("Authorization", "Bearer " + mesh.token).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, metrics.statusCode());
        assertTrue(metrics.body().contains("# TYPE cloakmesh_connections_total counter"), metrics.body());
        assertTrue(metrics.body().lines().anyMatch(l -> l.matches(
                "cloakmesh_connections_total\\{node=\"a1\",service=\"redis\",role=\"import\"} [1-9]\\d*")), metrics.body());
    }

    @Test
    @Order(4)
    void drainMakesNewConnectionsAvoidTheNode() throws Exception {
        AdminCli.Run drain = cli(mesh.a2, "drain", "b2");
        assertEquals(0, drain.status(), drain.err());
        assertEquals("node b2 is draining", drain.out().strip());
        for (MeshNodeProcess o : List.of(mesh.a1, mesh.a2)) {
            Poll.until(TestMesh.CONVERGE, o.name + " seeing b2 draining",
                    () -> TestMesh.exporters(o).getOrDefault("b2", "").startsWith("DRAINING"));
        }
        int before = TestMesh.counter(mesh.b2, "export", "total");
        for (int i = 0; i < 10; i++) {
            try (Jedis j = new Jedis("127.0.0.1", mesh.a1.importPort)) {
                assertEquals("PONG", j.ping());
            }
        }
        assertEquals(before, TestMesh.counter(mesh.b2, "export", "total"), "no new link to the drained node");
        AdminCli.Run undrain = cli(mesh.b1, "undrain", "b2");
        assertEquals("node b2 is active", undrain.out().strip());
        TestMesh.awaitActiveExporters(List.of(mesh.a1, mesh.a2), "b1", "b2");
    }

    @Test
    @Order(5)
    void reloadAddsAnImportWithoutTouchingOpenConnections() throws Exception {
        int cachePort = Poll.freePort();
        try (Jedis open = new Jedis("127.0.0.1", mesh.a1.importPort)) {
            assertEquals("OK", open.set("reload:before", "1"));
            mesh.writeConfig(mesh.b1, "dc-b", "  exports.cache.targets = [\"127.0.0.1:" + mesh.redisPort + "\"]\n");
            mesh.writeConfig(mesh.a1, "dc-a", "  imports.cache { listen = \"127.0.0.1:" + cachePort + "\", datacenter = dc-b }\n");
            AdminCli.Run exit = cli(mesh.a1, "reload", "b1");
            assertEquals(0, exit.status(), exit.err());
            assertTrue(exit.out().contains("exports added") && exit.out().contains("cache"), exit.out());
            AdminCli.Run entry = cli(mesh.b2, "reload", "a1");
            assertEquals(0, entry.status(), entry.err());
            assertTrue(entry.out().contains("imports added") && entry.out().contains("cache"), entry.out());
            Poll.until(TestMesh.CONVERGE, "a PING through the new import", () -> {
                try (Jedis j = new Jedis("127.0.0.1", cachePort)) {
                    return "PONG".equals(j.ping());
                } catch (RuntimeException e) {
                    return false;
                }
            });
            assertEquals("1", open.get("reload:before"), "the connection opened before the reload still works");
            assertEquals("OK", open.set("reload:after", "2"));
            AdminCli.Run nothing = cli(mesh.a2, "reload", "a1");
            assertTrue(nothing.out().contains("nothing changed"), nothing.out());
            mesh.writeConfig(mesh.a1, "dc-a", "  cluster.split-brain-resolver.stable-after = 9s\n");
            AdminCli.Run refused = cli(mesh.a2, "reload", "a1");
            assertEquals(1, refused.status());
            assertTrue(refused.err().contains("need a restart") && refused.err().contains("cloakmesh.cluster"), refused.err());
        }
    }

    @Test
    @Order(6)
    void theWebConsoleShowsTheMeshLiveAndDrainsANode() throws Exception {
        String page = "http://127.0.0.1:" + mesh.a1.adminPort + "/";
        HttpResponse<String> served = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(page)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, served.statusCode());
        assertEquals("no-store", served.headers().firstValue("Cache-Control").orElse(""));
        assertTrue(served.headers().firstValue("Content-Security-Policy").orElse("").contains("script-src 'self';"));
        assertFalse(served.body().contains("<script>"), "no inline script");
        assertEquals(401, HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(page + "v1/console/events"))
                .build(), HttpResponse.BodyHandlers.discarding()).statusCode(), "the live feed needs the token");

        Path shots = Path.of("target", "console");
        try (ConsoleBrowser browser = new ConsoleBrowser(1280, 800)) {
            browser.open(page);
            Poll.until(ConsoleBrowser.SHORT, "the login form", () -> browser.shown("login"));
            browser.logIn("wrong-token-0123456789");
            Poll.until(ConsoleBrowser.SHORT, "the refusal of a wrong token",
                    () -> browser.text("login-error").contains("Wrong token"));
            assertFalse(browser.shown("mesh"), "nothing of the mesh shown without the token");

            browser.logIn(mesh.token);
            Poll.until(TestMesh.CONVERGE, "both datacenters and every node up on the page", () ->
                    browser.datacenters().equals(List.of("dc-a", "dc-b"))
                            && List.of("a1", "a2", "b1", "b2").stream().allMatch(n -> browser.nodeState(n).equals("up")));

            int before = Math.max(0, browser.connections("redis"));
            List<Jedis> clients = new java.util.ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    Jedis client = new Jedis("127.0.0.1", mesh.a1.importPort);
                    assertEquals("PONG", client.ping());
                    clients.add(client);
                }
                Poll.until(ConsoleBrowser.SHORT, "the service's connection count rising with 3 clients",
                        () -> browser.connections("redis") >= before + 3);
                browser.screenshot(shots.resolve("console-1280x800.png"));
            } finally {
                clients.forEach(Jedis::close);
            }

            String question = browser.act("drain", "b2");
            assertTrue(question.startsWith("Drain b2:"), question);
            Poll.until(TestMesh.CONVERGE, "b2 shown draining", () -> browser.nodeState("b2").equals("draining"));
            for (MeshNodeProcess o : List.of(mesh.a1, mesh.a2)) {
                Poll.until(TestMesh.CONVERGE, o.name + " seeing b2 draining",
                        () -> TestMesh.exporters(o).getOrDefault("b2", "").startsWith("DRAINING"));
            }
            int drained = TestMesh.counter(mesh.b2, "export", "total");
            int other = TestMesh.counter(mesh.b1, "export", "total");
            for (int i = 0; i < 5; i++) {
                try (Jedis j = new Jedis("127.0.0.1", mesh.a1.importPort)) {
                    assertEquals("PONG", j.ping());
                }
            }
            assertEquals(drained, TestMesh.counter(mesh.b2, "export", "total"), "no new connection to the drained node");
            assertTrue(TestMesh.counter(mesh.b1, "export", "total") >= other + 5, "new connections went to b1");

            browser.resize(390, 844);
            assertFalse(browser.overflowsSideways(), "the page fits a phone's width");
            browser.screenshot(shots.resolve("console-phone.png"));
            browser.resize(1280, 800);

            assertTrue(browser.act("undrain", "b2").startsWith("Undrain b2:"));
            Poll.until(TestMesh.CONVERGE, "b2 shown up again", () -> browser.nodeState("b2").equals("up"));
            TestMesh.awaitActiveExporters(List.of(mesh.a1, mesh.a2), "b1", "b2");
        }
    }

    @Test
    @Order(7)
    void unknownNodeUnreachableUrlAndKeygen() throws Exception {
        AdminCli.Run unknown = cli(mesh.a1, "drain", "nosuch");
        assertEquals(1, unknown.status());
        assertEquals("mesh-admin: no node named nosuch answers", unknown.err().strip());
        HttpClient http = HttpClient.newHttpClient();
        for (String path : List.of("/v1/nodes/a1%0d%0aX-Injected:%20yes/reload", "/v1/nodes/a1%1b%5b2J/drain",
                "/v1/topology/redis%0aX", "/v1/connections?service=redis%0d%0aX", "/v1/filters/redis%00")) {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + mesh.a1.adminPort + path))
                    .header("Authorization", "Bearer " + mesh.token);
            HttpResponse<String> refused = http.send(path.contains("/nodes/")
                            ? request.POST(HttpRequest.BodyPublishers.noBody()).build() : request.GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(400, refused.statusCode(), path + ": " + refused.body());
            assertTrue(refused.body().matches("not a (node|service) name \\(.*\\)\n"), path + ": " + refused.body());
            assertTrue(refused.headers().firstValue("X-Injected").isEmpty(), path);
        }
        AdminCli.Run unreachable = cli(List.of(CLI.toString(), "--url", "http://127.0.0.1:" + Poll.freePort(), "--token-file",
                mesh.tokenFile.toString(), "status"));
        assertEquals(1, unreachable.status());
        assertEquals(1, unreachable.err().strip().lines().count(), unreachable.err());
        assertTrue(unreachable.err().contains("cannot reach the admin API"), unreachable.err());

        Path key = mesh.dir.resolve("new.key");
        AdminCli.Run keygen = cli(List.of(CLI.toString(), "keygen", key.toString()));
        assertEquals(0, keygen.status(), keygen.err());
        assertEquals(32, Files.size(key));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
        AdminCli.Run again = cli(List.of(CLI.toString(), "keygen", key.toString()));
        assertEquals(1, again.status());
        assertTrue(again.err().contains("already exists"), again.err());
        AdminCli.Run help = cli(List.of(CLI.toString(), "--help"));
        assertTrue(help.out().contains("connections") && help.out().contains("keygen"), help.out());
    }

    @Test
    @Order(8)
    void aNodeThatDoesNotAnswerIsMarkedNotFatal() throws Exception {
        long pid = mesh.b2.pid();
        new ProcessBuilder("kill", "-STOP", Long.toString(pid)).start().waitFor();
        try {
            AdminCli.Run stats = cli(mesh.a1, "--json", "stats");
            assertEquals(0, stats.status(), stats.err());
            JsonNode json = stats.json();
            assertEquals(3, json.get("nodes").size(), json.toString());
            assertEquals(1, json.get("unanswered").size(), json.toString());
            assertTrue(json.get("unanswered").get(0).asText().contains(":" + mesh.b2.clusterPort), json.toString());
            AdminCli.Run table = cli(mesh.a1, "members");
            assertEquals(0, table.status(), table.err());
            assertTrue(table.err().contains("warning: no answer from") && table.err().contains(":" + mesh.b2.clusterPort),
                    table.err());
        } finally {
            new ProcessBuilder("kill", "-CONT", Long.toString(pid)).start().waitFor();
        }
    }

}
