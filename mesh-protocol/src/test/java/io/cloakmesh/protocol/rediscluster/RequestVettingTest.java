package io.cloakmesh.protocol.rediscluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloakmesh.protocol.resp.ReplyPairing;
import io.cloakmesh.protocol.resp.RespLimits;
import io.cloakmesh.protocol.resp.RespValue;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.Test;

class RequestVettingTest {
    private static final String REFUSED = "*1\r\n$17\r\nCLOAKMESH-REFUSED\r\n";
    private final ReplyPairing pairing = new ReplyPairing(1000);
    private boolean scriptsAllowed;
    private final RequestVetting vetting = new RequestVetting(RespLimits.DEFAULTS, pairing, () -> scriptsAllowed);

    private static String command(String... words) {
        StringBuilder frame = new StringBuilder("*").append(words.length).append("\r\n");
        for (String w : words) {
            frame.append('$').append(w.length()).append("\r\n").append(w).append("\r\n");
        }
        return frame.toString();
    }

    private String read(String... chunks) throws Exception {
        StringBuilder out = new StringBuilder();
        for (String chunk : chunks) {
            out.append(vetting.read(ByteString.fromString(chunk)).utf8String());
        }
        return out.toString();
    }

    @Test
    void ordinaryRequestsPassByteForByteHoweverTheyAreCut() throws Exception {
        String requests = command("SET", "k", "v") + command("GET", "k") + "PING\r\n";
        for (int cut = 1; cut < requests.length(); cut++) {
            RequestVetting fresh = new RequestVetting(RespLimits.DEFAULTS, new ReplyPairing(1000), () -> false);
            String out = fresh.read(ByteString.fromString(requests.substring(0, cut))).utf8String()
                    + fresh.read(ByteString.fromString(requests.substring(cut))).utf8String();
            assertEquals(requests, out, "cut at " + cut);
        }
    }

    @Test
    void aCommandNamingAddressesIsReplacedInOrderAndItsErrorReworded() throws Exception {
        String out = read(command("GET", "a"), command("MIGRATE", "10.0.0.1", "6379", "k", "0", "1000"), command("GET", "b"));
        assertEquals(command("GET", "a") + REFUSED + command("GET", "b"), out);
        RespValue.Error reworded = vetting.refusal(new RespValue.Error("ERR unknown command 'CLOAKMESH-REFUSED', with args"))
                .orElseThrow();
        assertTrue(reworded.text().startsWith("ERR cloakmesh refuses MIGRATE: it names node addresses"), reworded.text());
        assertTrue(vetting.refusal(new RespValue.Error("MOVED 1 10.0.0.1:6379")).isEmpty());
    }

    @Test
    void aCommandWhoseReplyShowsTheNodesAddressIsRefusedInOrder() throws Exception {
        String out = read(command("CONFIG", "GET", "maxmemory"), command("CLIENT", "LIST"), command("CONFIG", "GET", "port"),
                command("GET", "a"));
        assertEquals(command("CONFIG", "GET", "maxmemory") + REFUSED + REFUSED + command("GET", "a"), out);
        assertTrue(vetting.refusal(new RespValue.Error("ERR unknown command 'CLOAKMESH-REFUSED'")).orElseThrow().text()
                .startsWith("ERR cloakmesh refuses CLIENT LIST: its reply would show the node's real address"));
        assertTrue(vetting.refusal(new RespValue.Error("ERR unknown command 'CLOAKMESH-REFUSED'")).orElseThrow().text()
                .startsWith("ERR cloakmesh refuses CONFIG GET: its reply would show"));
    }

    @Test
    void monitorSlowlogGetAndAclLogAreRefusedButTheirHarmlessSiblingsPass() throws Exception {
        String out = read(command("MONITOR"), command("SLOWLOG", "GET", "10"), command("SLOWLOG", "LEN"),
                command("ACL", "LOG"), command("acl", "log", "reset"), "SLOWLOG get\r\n");
        assertEquals(REFUSED + REFUSED + command("SLOWLOG", "LEN") + REFUSED + command("acl", "log", "reset") + REFUSED, out);
        for (String name : new String[] {"MONITOR", "SLOWLOG GET", "ACL LOG", "SLOWLOG GET"}) {
            assertTrue(vetting.refusal(new RespValue.Error("ERR unknown command 'CLOAKMESH-REFUSED'")).orElseThrow().text()
                    .startsWith("ERR cloakmesh refuses " + name + ": its reply would show"), name);
        }
    }

    @Test
    void scriptsAndFunctionsAreRefusedUntilTheExportAllowsThem() throws Exception {
        String[][] scripts = {{"EVAL", "return 1", "0"}, {"evalsha", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "0"},
            {"EVAL_RO", "return 1", "0"}, {"EVALSHA_RO", "x", "0"}, {"FCALL", "f", "0"}, {"fcall_ro", "f", "0"}};
        for (String[] script : scripts) {
            assertEquals(REFUSED + command("PING"), read(command(script), command("PING")), script[0]);
            assertTrue(vetting.refusal(new RespValue.Error("ERR unknown command 'CLOAKMESH-REFUSED'")).orElseThrow().text()
                    .startsWith("ERR cloakmesh refuses " + script[0].toUpperCase() + ": a script's reply can carry node "
                            + "addresses"), script[0]);
        }
        assertEquals(REFUSED, read("EVAL \"return redis.call('CLUSTER','NODES')\" 0\r\n"), "inline");
        scriptsAllowed = true;
        for (String[] script : scripts) {
            assertEquals(command(script), read(command(script)), "allowed: " + script[0]);
        }
        assertEquals(command("SCRIPT", "LOAD", "return 1"), read(command("SCRIPT", "LOAD", "return 1")),
                "loading a script runs nothing");
    }

    @Test
    void aTopologyCommandInsideMultiIsRefusedButNotOutsideIt() throws Exception {
        String out = read(command("CLUSTER", "NODES"), command("MULTI"), command("CLUSTER", "SLOTS"), command("EXEC"));
        assertEquals(command("CLUSTER", "NODES") + command("MULTI") + REFUSED + command("EXEC"), out);
        assertTrue(vetting.refusal(new RespValue.Error("ERR unknown command 'cloakmesh-refused'")).orElseThrow().text()
                .contains("CLUSTER SLOTS inside MULTI"));
    }

    @Test
    void theBodyOfARefusedCommandIsDroppedEvenPastTheHeadBytes() throws Exception {
        String value = "x".repeat(1000);
        String out = read(command("CLIENT", "KILL", "ADDR", "10.0.0.1:5000", value), command("PING"));
        assertEquals(REFUSED + command("PING"), out);
    }

    @Test
    void aRequestCutOffByAHalfCloseIsLeftToGoOn() throws Exception {
        assertEquals("", read("*2\r\n$3\r\nGE"));
        assertEquals("*2\r\n$3\r\nGE", vetting.unfinished().utf8String());
    }
}
