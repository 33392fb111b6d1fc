package io.cloakmesh.protocol.rediscluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloakmesh.protocol.resp.RespReader;
import io.cloakmesh.protocol.resp.RespValue;
import io.cloakmesh.protocol.resp.RespWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ReplyRewriterTest {
    private static final String P1 = "8606ba51c1ab9a0e2e39d2a2e5b9f3f6a1c1288c";
    private static final String R1 = "8d84e0f8c3b8f0b0a9d7e6c5b4a39281706f5f3f";
    private static final String P3 = "ffffffffffffffffffffffffffffffffffffffff";

    /** P1 at 127.0.0.2:7001 (node-7001.dc-b.example) and R1 at :7005 have endpoints; P3 at :7003 not yet. */
    private static final EndpointMap MESH = new EndpointMap() {
        private final Map<String, Endpoint> endpoints = Map.of(P1, new Endpoint("127.0.0.1", 30001),
                R1, new Endpoint("127.0.0.1", 30005));
        private final Map<Integer, String> byPort = Map.of(7001, P1, 7005, R1, 7003, P3);

        @Override
        public Optional<Endpoint> endpointOf(String nodeId) {
            return Optional.ofNullable(endpoints.get(nodeId));
        }

        @Override
        public Optional<String> nodeAt(String host, int port) {
            boolean ours = host.equals("127.0.0.2") || host.equals("node-" + port + ".dc-b.example") || host.isEmpty()
                    || host.equals("?");
            return ours ? Optional.ofNullable(byPort.get(port)) : Optional.empty();
        }
    };
    /** The connection the replies come on was made to endpoint 127.0.0.1:30007. */
    private final ReplyRewriter rewriter = new ReplyRewriter(MESH, new Endpoint("127.0.0.1", 30007));

    private static RespValue frame(String wire) throws Exception {
        return RespReader.read(ByteBuffer.wrap(wire.getBytes(StandardCharsets.ISO_8859_1)));
    }

    private static String wire(ReplyRewriter.Result result) {
        assertTrue(result instanceof ReplyRewriter.Rewritten, result.toString());
        return new String(RespWriter.write(((ReplyRewriter.Rewritten) result).reply()), StandardCharsets.ISO_8859_1);
    }

    private static void assertNoRealAddress(String wire) {
        assertFalse(wire.contains("127.0.0.2") || wire.contains("dc-b.example") || wire.contains(":7001")
                || wire.contains(":7005"), wire);
    }

    @Test
    void redirectsNameTheTargetsEndpointWhateverFormTheClusterUses() {
        for (String target : List.of("127.0.0.2:7001", "node-7001.dc-b.example:7001", "?:7001", ":7001")) {
            assertEquals("-MOVED 12182 127.0.0.1:30001\r\n", wire(rewriter.error(new RespValue.Error("MOVED 12182 " + target))));
        }
        assertEquals("-ASK 449 127.0.0.1:30005\r\n", wire(rewriter.error(new RespValue.Error("ASK 449 127.0.0.2:7005"))));
        assertEquals(new ReplyRewriter.Unmapped("127.0.0.2:7003"), rewriter.error(new RespValue.Error("MOVED 1 127.0.0.2:7003")));
        assertEquals(new ReplyRewriter.Unmapped("10.9.9.9:7001"), rewriter.error(new RespValue.Error("MOVED 1 10.9.9.9:7001")));
        for (String other : List.of("CLUSTERDOWN The cluster is down", "TRYAGAIN Multiple keys request during rehashing of slot",
                "ERR MOVED is not a command", "MOVED 1 nocolon")) {
            RespValue.Error error = new RespValue.Error(other);
            assertSame(error, ((ReplyRewriter.Rewritten) rewriter.error(error)).reply(), other);
        }
    }

    @Test
    void slotsInBothProtocolsAndEveryEndpointType() throws Exception {
        String resp2 = "*1\r\n*4\r\n:0\r\n:5460\r\n*4\r\n$9\r\n127.0.0.2\r\n:7001\r\n$40\r\n" + P1
                + "\r\n*2\r\n$8\r\nhostname\r\n$22\r\nnode-7001.dc-b.example\r\n*4\r\n$9\r\n127.0.0.2\r\n:7005\r\n$40\r\n"
                + R1 + "\r\n*0\r\n";
        String out = wire(rewriter.slots(frame(resp2)));
        assertEquals("*1\r\n*4\r\n:0\r\n:5460\r\n*4\r\n$9\r\n127.0.0.1\r\n:30001\r\n$40\r\n" + P1
                + "\r\n*2\r\n$8\r\nhostname\r\n$9\r\n127.0.0.1\r\n*4\r\n$9\r\n127.0.0.1\r\n:30005\r\n$40\r\n" + R1
                + "\r\n*0\r\n", out);
        String resp3Unknown = "*1\r\n*3\r\n:0\r\n:16383\r\n*4\r\n_\r\n:7001\r\n$40\r\n" + P1
                + "\r\n%2\r\n$2\r\nip\r\n$9\r\n127.0.0.2\r\n$8\r\nhostname\r\n$22\r\nnode-7001.dc-b.example\r\n";
        String out3 = wire(rewriter.slots(frame(resp3Unknown)));
        assertNoRealAddress(out3);
        assertTrue(out3.contains("%2\r\n$2\r\nip\r\n$9\r\n127.0.0.1\r\n$8\r\nhostname\r\n$9\r\n127.0.0.1\r\n"), out3);
        assertEquals(new ReplyRewriter.Unmapped(P3), rewriter.slots(frame(
                "*1\r\n*3\r\n:0\r\n:1\r\n*3\r\n$9\r\n127.0.0.2\r\n:7003\r\n$40\r\n" + P3 + "\r\n")));
    }

    @Test
    void shardsInBothProtocols() throws Exception {
        String node = "$2\r\nid\r\n$40\r\n" + P1 + "\r\n$4\r\nport\r\n:7001\r\n$8\r\ntls-port\r\n:8001\r\n$2\r\nip\r\n$9\r\n127.0.0.2\r\n"
                + "$8\r\nendpoint\r\n$0\r\n\r\n$8\r\nhostname\r\n$22\r\nnode-7001.dc-b.example\r\n$4\r\nrole\r\n$6\r\nmaster\r\n";
        String resp3 = "*1\r\n%2\r\n$5\r\nslots\r\n*2\r\n:0\r\n:5460\r\n$5\r\nnodes\r\n*1\r\n%7\r\n" + node;
        String resp2 = "*1\r\n*4\r\n$5\r\nslots\r\n*2\r\n:0\r\n:5460\r\n$5\r\nnodes\r\n*1\r\n*14\r\n" + node;
        for (String reply : List.of(resp3, resp2)) {
            String out = wire(rewriter.shards(frame(reply)));
            assertNoRealAddress(out);
            assertFalse(out.contains(":8001"), out);
            assertTrue(out.contains("$4\r\nport\r\n:30001\r\n$8\r\ntls-port\r\n:30001\r\n$2\r\nip\r\n$9\r\n127.0.0.1\r\n"
                    + "$8\r\nendpoint\r\n$9\r\n127.0.0.1\r\n$8\r\nhostname\r\n$9\r\n127.0.0.1\r\n"), out);
            assertEquals(reply.startsWith("*1\r\n%") ? '%' : '*', out.charAt(4));
        }
    }

    @Test
    void nodesAsBulkAndVerbatimAndReplicas() throws Exception {
        String text = P1 + " 127.0.0.2:7001@17001,node-7001.dc-b.example myself,master - 0 0 1 connected 0-5460\n"
                + R1 + " 127.0.0.2:7005@17005 slave " + P1 + " 0 1795218526535 1 connected\n"
                + "0123456789012345678901234567890123456789 :0@0 noaddr,master - 0 0 0 disconnected\n";
        String expected = P1 + " 127.0.0.1:30001@0,127.0.0.1 myself,master - 0 0 1 connected 0-5460\n"
                + R1 + " 127.0.0.1:30005@0 slave " + P1 + " 0 1795218526535 1 connected\n"
                + "0123456789012345678901234567890123456789 :0@0 noaddr,master - 0 0 0 disconnected\n";
        assertEquals("$" + expected.length() + "\r\n" + expected + "\r\n",
                wire(rewriter.nodes(frame("$" + text.length() + "\r\n" + text + "\r\n"))));
        assertEquals("=" + (expected.length() + 4) + "\r\ntxt:" + expected + "\r\n",
                wire(rewriter.nodes(frame("=" + (text.length() + 4) + "\r\ntxt:" + text + "\r\n"))));
        String replica = R1 + " 127.0.0.2:7005@17005,node-7005.dc-b.example slave " + P1 + " 0 1 1 connected";
        String out = wire(rewriter.replicas(frame("*1\r\n$" + replica.length() + "\r\n" + replica + "\r\n")));
        assertNoRealAddress(out);
        assertTrue(out.contains(R1 + " 127.0.0.1:30005@0,127.0.0.1 slave"), out);
        String unknown = P3 + " 127.0.0.2:7003@17003 master - 0 0 3 connected 10923-16383\n";
        assertEquals(new ReplyRewriter.Unmapped(P3),
                rewriter.nodes(frame("$" + unknown.length() + "\r\n" + unknown + "\r\n")));
    }

    @Test
    void roleOfAPrimaryAndOfAReplica() throws Exception {
        String primary = "*3\r\n$6\r\nmaster\r\n:148\r\n*1\r\n*3\r\n$9\r\n127.0.0.2\r\n$4\r\n7005\r\n$2\r\n98\r\n";
        assertEquals("*3\r\n$6\r\nmaster\r\n:148\r\n*1\r\n*3\r\n$9\r\n127.0.0.1\r\n$5\r\n30005\r\n$2\r\n98\r\n",
                wire(rewriter.role(frame(primary))));
        String replica = "*5\r\n$5\r\nslave\r\n$9\r\n127.0.0.2\r\n:7001\r\n$9\r\nconnected\r\n:148\r\n";
        assertEquals("*5\r\n$5\r\nslave\r\n$9\r\n127.0.0.1\r\n:30001\r\n$9\r\nconnected\r\n:148\r\n",
                wire(rewriter.role(frame(replica))));
        assertEquals(new ReplyRewriter.Unmapped("127.0.0.2:7003"),
                rewriter.role(frame("*5\r\n$5\r\nslave\r\n$9\r\n127.0.0.2\r\n:7003\r\n$9\r\nconnected\r\n:1\r\n")));
        RespValue lonePrimary = frame("*3\r\n$6\r\nmaster\r\n:0\r\n*0\r\n");
        assertEquals("*3\r\n$6\r\nmaster\r\n:0\r\n*0\r\n", wire(rewriter.role(lonePrimary)));
    }

    @Test
    void infoReplicationOfAPrimaryAndOfAReplicaInBothProtocols() throws Exception {
        String primary = "# Replication\r\nrole:master\r\nconnected_slaves:1\r\n"
                + "slave0:ip=127.0.0.2,port=7005,state=online,offset=148,lag=0\r\nmaster_repl_offset:148\r\n";
        String expected = "# Replication\r\nrole:master\r\nconnected_slaves:1\r\n"
                + "slave0:ip=127.0.0.1,port=30005,state=online,offset=148,lag=0\r\nmaster_repl_offset:148\r\n";
        assertEquals("$" + expected.length() + "\r\n" + expected + "\r\n",
                wire(rewriter.info(frame("$" + primary.length() + "\r\n" + primary + "\r\n"))));
        String replica = "# Server\r\nredis_version:7.2.4\r\n\r\n# Replication\r\nrole:slave\r\nmaster_host:127.0.0.2\r\n"
                + "master_port:7001\r\nmaster_link_status:up\r\n";
        String out = wire(rewriter.info(frame("=" + (replica.length() + 4) + "\r\ntxt:" + replica + "\r\n")));
        assertNoRealAddress(out);
        assertTrue(out.startsWith("=") && out.contains("txt:# Server\r\nredis_version:7.2.4\r\n\r\n# Replication\r\n"
                + "role:slave\r\nmaster_host:127.0.0.1\r\nmaster_port:30001\r\nmaster_link_status:up\r\n"), out);
        String unknown = "role:slave\r\nmaster_host:127.0.0.2\r\nmaster_port:7003\r\n";
        assertTrue(rewriter.info(frame("$" + unknown.length() + "\r\n" + unknown + "\r\n")) instanceof ReplyRewriter.Unmapped);
        RespValue noAddress = frame("$24\r\n# Server\r\nprocess_id:7\r\n\r\n");
        assertSame(noAddress, ((ReplyRewriter.Rewritten) rewriter.info(noAddress)).reply());
    }

    @Test
    void infoServerGivesTheNodesOwnPortAndListenersAsTheConnectionsEndpoint() throws Exception {
        String server = "# Server\r\nredis_version:7.2.4\r\ntcp_port:7001\r\n"
                + "listener0:name=tcp,bind=127.0.0.2,bind=-::1,port=7001\r\nlistener1:name=tls,bind=*,port=17001\r\n"
                + "executable:/usr/bin/redis-server\r\n";
        String expected = "# Server\r\nredis_version:7.2.4\r\ntcp_port:30007\r\n"
                + "listener0:name=tcp,bind=127.0.0.1,bind=127.0.0.1,port=30007\r\n"
                + "listener1:name=tls,bind=127.0.0.1,port=30007\r\nexecutable:/usr/bin/redis-server\r\n";
        assertEquals("$" + expected.length() + "\r\n" + expected + "\r\n",
                wire(rewriter.info(frame("$" + server.length() + "\r\n" + server + "\r\n"))));
        String out = wire(rewriter.info(frame("=" + (server.length() + 4) + "\r\ntxt:" + server + "\r\n")));
        assertTrue(out.startsWith("=" + (expected.length() + 4) + "\r\ntxt:" + expected), out);
    }
}
