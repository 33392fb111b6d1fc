package io.cloakmesh.node.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
    private static TestMesh mesh;

    @BeforeAll
    static void start() throws Exception {
        mesh = new TestMesh("cloakmesh-filter-it", false, node -> node.name.startsWith("b")
                ? "  exports.redis.filter { allow_key_prefix = [\"t1:\"], block_command = [CONFIG, FLUSHALL] }\n" : "");
    }

    @AfterAll
    static void stop() throws Exception {
        if (mesh != null) {
            mesh.close();
        }
    }

    @Test
    void aClientInTheOtherDatacenterReachesOnlyWhatTheExitAllows() throws Exception {
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
        long refusedConfig = 0;
        for (MeshNodeProcess exit : List.of(mesh.b1, mesh.b2)) {
            refusedConfig += metrics(exit).lines()
                    .filter(l -> l.startsWith("cloakmesh_filter_verdicts_total{") && l.contains("rule=\"block_command CONFIG\""))
                    .mapToLong(l -> Long.parseLong(l.substring(l.lastIndexOf(' ') + 1))).sum();
        }
        assertEquals(1, refusedConfig, "the exits count the refusal by its rule");
    }

    private static String metrics(MeshNodeProcess node) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + node.adminPort + "/metrics"))
                .header("Authorization", "Bearer " + mesh.token).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        return response.body();
    }
}
