package io.cloakmesh.protocol.rediscluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.cloakmesh.protocol.resp.RespReader;
import io.cloakmesh.protocol.resp.RespValue;
import io.cloakmesh.protocol.resp.RespWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TopologyParserTest {
    private static final String P1 = "8606ba51c1ab9a0e2e39d2a2e5b9f3f6a1c1288c";
    private static final String R1 = "8d84e0f8c3b8f0b0a9d7e6c5b4a39281706f5f3f";
    private static final String P2 = "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d";

    private static RespValue bulk(String s) {
        return new RespValue.Bulk(s.getBytes(StandardCharsets.UTF_8), false);
    }

    private static RespValue integer(long n) {
        return new RespValue.Int(n);
    }

    /** A map in RESP3, the flat array RESP2 sends instead. */
    private static RespValue map(boolean resp3, RespValue... keysAndValues) {
        return resp3 ? new RespValue.MapValue(List.of(keysAndValues)) : array(keysAndValues);
    }

    private static RespValue array(RespValue... elements) {
        return new RespValue.Aggregate('*', List.of(elements));
    }

    private static RespValue shardNode(boolean resp3, String id, int port, String role, String health) {
        return map(resp3, bulk("id"), bulk(id), bulk("port"), integer(port), bulk("ip"), bulk("127.0.0.2"),
                bulk("endpoint"), bulk("127.0.0.2"), bulk("hostname"), bulk("node-" + port + ".dc-b.example"),
                bulk("role"), bulk(role), bulk("replication-offset"), integer(28), bulk("health"), bulk(health));
    }

    /** Through bytes and back, as the reply arrives on the wire. */
    private static RespValue wire(RespValue value) throws Exception {
        return RespReader.read(ByteBuffer.wrap(RespWriter.write(value)));
    }

    @Test
    void readsShardsInBothProtocols() throws Exception {
        for (boolean resp3 : new boolean[] {false, true}) {
            RespValue reply = array(
                    map(resp3, bulk("slots"), array(integer(0), integer(5460), integer(10923), integer(11000)),
                            bulk("nodes"), array(shardNode(resp3, P1, 7001, "master", "online"),
                                    shardNode(resp3, R1, 7005, "replica", "fail"))),
                    map(resp3, bulk("slots"), array(), bulk("nodes"), array(shardNode(resp3, P2, 7002, "master", "online"))));
            RedisTopology topology = TopologyParser.fromShards(wire(reply));
            assertEquals(2, topology.shards().size(), "resp3=" + resp3);
            assertEquals(List.of(new SlotRange(0, 5460), new SlotRange(10923, 11000)), topology.shards().get(0).slots());
            assertEquals(new RedisNode(R1, "127.0.0.2", 7005, 0, "node-7005.dc-b.example", false, "fail"),
                    topology.node(R1).orElseThrow());
            assertEquals(P1, topology.primaryFor(10999).orElseThrow().id());
            assertEquals(List.of(), topology.shards().get(1).slots(), "an empty shard");
        }
    }

    @Test
    void readsSlotsInIpAndHostnameModes() throws Exception {
        RespValue ipMode = array(array(integer(0), integer(5460),
                array(bulk("127.0.0.2"), integer(7001), bulk(P1), array(bulk("hostname"), bulk("node-7001.dc-b.example"))),
                array(bulk("127.0.0.2"), integer(7005), bulk(R1), array())),
                array(integer(10923), integer(11000),
                        array(bulk("127.0.0.2"), integer(7001), bulk(P1), array()),
                        array(bulk("127.0.0.2"), integer(7005), bulk(R1), array())));
        RedisTopology topology = TopologyParser.fromSlots(wire(ipMode), false);
        assertEquals(1, topology.shards().size(), "one primary's two ranges make one shard");
        assertEquals(List.of(new SlotRange(0, 5460), new SlotRange(10923, 11000)), topology.shards().get(0).slots());
        assertEquals(new RedisNode(P1, "127.0.0.2", 7001, 0, "node-7001.dc-b.example", true, "online"),
                topology.node(P1).orElseThrow());

        RespValue hostnameMode = array(array(integer(0), integer(16383),
                array(bulk("node-7001.dc-b.example"), integer(7001), bulk(P1), array(bulk("ip"), bulk("127.0.0.2")))));
        assertEquals(new RedisNode(P1, "127.0.0.2", 0, 7001, "node-7001.dc-b.example", true, "online"),
                TopologyParser.fromSlots(wire(hostnameMode), true).node(P1).orElseThrow());

        RespValue unknownEndpoint = array(array(integer(0), integer(16383),
                array(RespValue.Null.BULK, integer(7001), bulk(P1), array(bulk("ip"), bulk("127.0.0.2")))));
        assertEquals("127.0.0.2", TopologyParser.fromSlots(wire(unknownEndpoint), false).node(P1).orElseThrow().ip());
    }

    @Test
    void refusesRepliesOfAnotherShape() {
        List<RespValue> bad = new ArrayList<>(List.of(new RespValue.Error("ERR unknown command"), bulk("x"),
                array(array(bulk("slots"))), array(map(true, bulk("slots"), array(integer(1)), bulk("nodes"), array()))));
        for (RespValue reply : bad) {
            assertThrows(TopologyParser.MalformedTopologyException.class, () -> TopologyParser.fromShards(reply),
                    reply.toString());
        }
        assertThrows(TopologyParser.MalformedTopologyException.class,
                () -> TopologyParser.fromSlots(array(array(integer(0), integer(1))), false));
    }
}
