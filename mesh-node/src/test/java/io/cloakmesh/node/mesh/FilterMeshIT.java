package io.cloakmesh.node.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloakmesh.node.testing.Poll;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * The command filter where it runs, at the exits (b1, b2) of a real mesh: a client of a1 in the other
 * datacenter reaches the tenant's keys and nothing else, and CONFIG and FLUSHALL never reach Redis.
 */
class FilterMeshIT {
    private static final String RULES = "allow_key_prefix = [\"t1:\"]\nblock_command = [CONFIG, FLUSHALL]\n";
    private static TestMesh mesh;

    @BeforeAll
    static void start() throws Exception {
        mesh = new TestMesh("cloakmesh-filter-it", false, node -> node.name.startsWith("b") ? exportFilter(RULES) : "");
    }

    private static String exportFilter(String rules) {
        return "  exports.redis.filter {\n" + rules + "}\n";
    }

    @AfterAll
    static void stop() throws Exception {
        if (mesh != null) {
            mesh.close();
        }
    }

    @Test
    void aClientInTheOtherDatacenterReachesOnlyWhatTheExitAllows() throws Exception {
        long refusedBefore = refusedConfig();
        try (Jedis client = new Jedis("127.0.0.1", mesh.a1.importPort); Jedis direct = new Jedis("127.0.0.1", mesh.redisPort)) {
            Pipeline pipeline = client.pipelined();
            Response<String> allowed = pipeline.set("t1:a", "1");
            Response<String> otherTenant = pipeline.set("t2:a", "1");
            pipeline.sendCommand(Protocol.Command.CONFIG, "GET", "maxmemory");
            Response<String> read = pipeline.get("t1:a");
            List<Object> replies = pipeline.syncAndReturnAll();
            assertEquals("OK", allowed.get());
            assertTrue(replies.get(1) instanceof JedisDataException e
                    && e.getMessage().startsWith("NOPERM cloakmesh filter: command blocked by rule allow_keys"), replies.toString());
            assertTrue(replies.get(2) instanceof JedisDataException e
                    && e.getMessage().equals("NOPERM cloakmesh filter: command blocked by rule block_command CONFIG"),
                    replies.toString());
            assertEquals("1", read.get(), "the reply after two refusals is still the right one");
            assertEquals(null, direct.get("t2:a"), "the refused SET never reached Redis");
            JedisDataException flush = org.junit.jupiter.api.Assertions.assertThrows(JedisDataException.class, client::flushAll);
            assertEquals("NOPERM cloakmesh filter: command blocked by rule block_command FLUSHALL", flush.getMessage());
            assertEquals("1", direct.get("t1:a"));
            assertEquals("PONG", client.ping(), "the connection stays usable");
        }
        assertEquals(refusedBefore + 1, refusedConfig(), "the exits count the refusal by its rule");
    }

    @Test
    void theRuleTableHoldsThroughTheMeshInBothModes() throws Exception {
        try (Jedis direct = new Jedis("127.0.0.1", mesh.redisPort)) {
            FilterTable.runAll(mesh, mesh.a2, "redis", mesh.a1.importPort, direct::exists, RULES, c -> true);
        }
    }

    @Test
    void eachExitComparesTheFiltersCommandTableWithItsRedis() {
        for (MeshNodeProcess exit : List.of(mesh.b1, mesh.b2)) {
            Poll.until(Duration.ofSeconds(20), exit.name + " compares the command tables", () -> exit.output()
                    .contains("export redis: 127.0.0.1:" + mesh.redisPort + " has the commands of the filter's table"));
        }
    }

    @Test
    void mesh_adminShowsTestsAndReplacesTheRulesOfEveryExitWithoutDroppingAConnection() throws Exception {
        // Until every node's admin agent is known to a1's receptionist (shortly after the mesh forms).
        AdminCli.Run[] show = new AdminCli.Run[1];
        Poll.until(Duration.ofSeconds(20), "both exits answer for their filters", () -> {
            show[0] = call(() -> AdminCli.run(mesh, mesh.a1, "filter", "redis", "show"));
            return show[0].err().isEmpty();
        });
        assertEquals(0, show[0].status(), show[0].err());
        assertTrue(show[0].out().contains("b1 (dc-b), from configuration file") && show[0].out().contains("b2 (dc-b)"),
                show[0].out());
        assertTrue(show[0].out().contains("allow_key_prefix = [\"t1:\"]\nblock_command = [\"CONFIG\",\"FLUSHALL\"]"), show[0].out());
        AdminCli.Run test = AdminCli.run(mesh, mesh.a2, "filter", "redis", "test", "config", "set", "maxmemory", "1");
        assertEquals("b1 (dc-b): refused by rule block_command CONFIG\nb2 (dc-b): refused by rule block_command CONFIG\n",
                test.out(), test.err());
        assertTrue(AdminCli.run(mesh, mesh.a2, "filter", "redis", "test", "MSET", "t1:a", "1", "t1:b", "2").out()
                .startsWith("b1 (dc-b): allowed\n"));
        Path bad = Files.writeString(mesh.dir.resolve("bad.rules"), "allow_key_prefix = [\"t3:\"]\n\nblock_key_regex = [\"t1:(\"]\n");
        AdminCli.Run refused = AdminCli.run(mesh, mesh.b1, "filter", "redis", "set", bad.toString());
        assertEquals(1, refused.status());
        assertTrue(refused.err().contains("rules refused whole: line 3: block_key_regex[0]: not an RE2 regex"), refused.err());

        try (Jedis client = new Jedis("127.0.0.1", mesh.a1.importPort)) {
            JedisDataException before = assertThrows(JedisDataException.class, () -> client.set("t3:a", "1"),
                    "the refused rule set changed nothing");
            assertTrue(before.getMessage().contains("allow_keys"), before.getMessage());
            Path wider = Files.writeString(mesh.dir.resolve("wider.rules"), "# t3 joins\n" + RULES.replace("\"t1:\"",
                    "\"t1:\", \"t3:\""));
            AdminCli.Run set = AdminCli.run(mesh, mesh.a2, "filter", "redis", "set", wider.toString());
            assertEquals("b1 (dc-b): rules in force\nb2 (dc-b): rules in force\n", set.out(), set.err());
            assertEquals("OK", client.set("t3:a", "1"), "the open connection's next command is judged by the new rules");
            AdminCli.Run after = AdminCli.run(mesh, mesh.b2, "filter", "redis", "show");
            assertTrue(after.out().contains("from admin API") && after.out().contains("[\"t1:\",\"t3:\"]"), after.out());

            // A reload that changes only the filter block applies in place too, to open connections included.
            for (MeshNodeProcess exit : List.of(mesh.b1, mesh.b2)) {
                mesh.writeConfig(exit, "dc-b", exportFilter(RULES + "block_command_group = [string]\n"));
                AdminCli.Run reload = AdminCli.run(mesh, mesh.a1, "reload", exit.name);
                assertEquals(0, reload.status(), reload.err());
            }
            JedisDataException get = assertThrows(JedisDataException.class, () -> client.get("t1:a"));
            assertEquals("NOPERM cloakmesh filter: command blocked by rule block_command_group STRING", get.getMessage());
            assertEquals("PONG", client.ping());
        } finally {
            for (MeshNodeProcess exit : List.of(mesh.b1, mesh.b2)) {
                mesh.writeConfig(exit, "dc-b", exportFilter(RULES));
                assertEquals(0, AdminCli.run(mesh, mesh.a1, "reload", exit.name).status());
            }
        }
        AdminCli.Run none = AdminCli.run(mesh, mesh.a1, "filter", "nosuch", "show");
        assertEquals("mesh-admin: no node exports nosuch", none.err().strip());
        AdminCli.Run unfiltered = AdminCli.run(mesh, mesh.a1, "filter", "half", "set", mesh.dir.resolve("wider.rules").toString());
        assertEquals(1, unfiltered.status());
        assertTrue(unfiltered.err().contains("b1 (dc-b): export half has no filter block"), unfiltered.err());
    }

    private static <T> T call(java.util.concurrent.Callable<T> call) {
        try {
            return call.call();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static long refusedConfig() throws Exception {
        long refused = 0;
        for (MeshNodeProcess exit : List.of(mesh.b1, mesh.b2)) {
            refused += mesh.metrics(exit).lines()
                    .filter(l -> l.startsWith("cloakmesh_filter_verdicts_total{") && l.contains("rule=\"block_command CONFIG\""))
                    .mapToLong(l -> Long.parseLong(l.substring(l.lastIndexOf(' ') + 1))).sum();
        }
        return refused;
    }
}
