package io.cloakmesh.protocol.resp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloakmesh.protocol.resp.ReplyPairing.Kind;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReplyPairingTest {
    private final ReplyPairing pairing = new ReplyPairing(1000);

    private void send(String... commands) throws Exception {
        for (String command : commands) {
            StringBuilder frame = new StringBuilder();
            String[] words = command.split(" ");
            frame.append('*').append(words.length).append("\r\n");
            for (String w : words) {
                frame.append('$').append(w.length()).append("\r\n").append(w).append("\r\n");
            }
            pairing.request(RequestHead.parse(ByteBuffer.wrap(frame.toString().getBytes(StandardCharsets.US_ASCII)))
                    .orElseThrow());
        }
    }

    private Kind reply(String typeAndText) {
        char type = typeAndText.charAt(0);
        return pairing.reply(type, type == '+' ? typeAndText.substring(1) : null);
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        send("GET k", "cluster nodes", "CLUSTER SLOTS", "CLUSTER KEYSLOT k", "CLUSTER SHARDS", "CLUSTER REPLICAS id",
                "CLUSTER SLAVES id", "role", "INFO replication");
        assertEquals(List.of(Kind.PLAIN, Kind.CLUSTER_NODES, Kind.CLUSTER_SLOTS, Kind.PLAIN, Kind.CLUSTER_SHARDS,
                Kind.CLUSTER_REPLICAS, Kind.CLUSTER_REPLICAS, Kind.ROLE, Kind.INFO),
                List.of(reply("$"), reply("$"), reply("*"), reply(":"), reply("*"), reply("*"), reply("*"), reply("*"),
                        reply("$")));
    }

    @Test
    void pushesAreOutOfBandAndHelloSwitchesTheProtocol() throws Exception {
        send("HELLO 3", "SUBSCRIBE a b", "CLUSTER NODES");
        assertEquals(Kind.HELLO, reply("%"));
        assertTrue(pairing.resp3());
        assertEquals(Kind.PLAIN, reply(">"), "subscribe confirmations are pushes in RESP3");
        assertEquals(Kind.PLAIN, reply(">"));
        assertEquals(Kind.CLUSTER_NODES, reply("="));
        send("HELLO 2");
        assertEquals(Kind.HELLO, reply("*"));
        assertFalse(pairing.resp3());
    }

    @Test
    void clientReplyOffAndSkipSilenceReplies() throws Exception {
        send("CLIENT REPLY SKIP", "SET a 1", "CLUSTER NODES");
        assertEquals(Kind.CLUSTER_NODES, reply("$"), "SKIP and the command after it have no reply");
        send("CLIENT REPLY OFF", "SET a 1", "SET b 2", "CLIENT REPLY ON", "CLUSTER SLOTS");
        assertEquals(Kind.PLAIN, reply("+OK"), "ON is answered");
        assertEquals(Kind.CLUSTER_SLOTS, reply("*"));
    }

    @Test
    void transactionsAnswerQueuedAndExecInOrder() throws Exception {
        send("MULTI", "CLUSTER NODES", "GET k", "EXEC", "CLUSTER NODES");
        // EXEC's reply is marked (the filter learns from it which queued SELECT ran); it carries no addresses.
        assertEquals(List.of(Kind.PLAIN, Kind.PLAIN, Kind.PLAIN, Kind.EXEC, Kind.CLUSTER_NODES),
                List.of(reply("+OK"), reply("+QUEUED"), reply("+QUEUED"), reply("*"), reply("$")));
        assertEquals(false, Kind.EXEC.carriesAddresses());
    }

    @Test
    void monitorAndResp2SubscribeLoseThePairingUntilResetIsAnswered() throws Exception {
        send("MONITOR", "CLUSTER NODES");
        assertFalse(pairing.tracked());
        assertEquals(Kind.PLAIN, reply("+OK"));
        assertEquals(Kind.PLAIN, reply("+1795218571.163249 [0 127.0.0.1:57558] \"RESET\""));
        send("RESET");
        assertEquals(Kind.PLAIN, reply("+RESET"));
        assertTrue(pairing.tracked());
        send("SUBSCRIBE ch", "UNSUBSCRIBE", "CLUSTER NODES");
        assertFalse(pairing.tracked(), "RESP2 subscribe mode");
        reply("*");
        reply("*");
        assertEquals(Kind.PLAIN, reply("$"), "not trusted while untracked");
        send("RESET", "CLUSTER NODES");
        assertEquals(Kind.PLAIN, reply("+RESET"));
        send("CLUSTER NODES");
        assertEquals(Kind.CLUSTER_NODES, reply("$"));
    }

    @Test
    void resetIsAnsweredEvenWithRepliesOffAndReturnsToResp2() throws Exception {
        send("HELLO 3");
        reply("%");
        send("CLIENT REPLY OFF", "GET a", "RESET", "CLUSTER NODES");
        assertEquals(Kind.PLAIN, reply("+RESET"));
        assertFalse(pairing.resp3());
        assertEquals(Kind.CLUSTER_NODES, reply("$"));
    }

    @Test
    void boundsRequestsSentAheadOfTheirReplies() throws Exception {
        ReplyPairing small = new ReplyPairing(2);
        RequestHead get = new RequestHead(List.of("GET", "k"));
        small.request(get);
        small.request(get);
        assertThrows(RespProtocolException.class, () -> small.request(get));
    }

    @Test
    void readsTheHeadOfInlineAndPartialRequests() {
        assertEquals(List.of("CLUSTER", "NODES"), head("cluster nodes\r\n"));
        assertEquals(List.of("PING"), head("PING\n"));
        assertEquals(List.of("SET", "K"), head("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100000\r\nxxxx"), "a value cut off is left out");
        assertEquals(List.of("SET", "", "V"), head("*3\r\n$3\r\nSET\r\n$40\r\n" + "k".repeat(40) + "\r\n$1\r\nv\r\n"),
                "a word too long to be a name is left blank");
        assertTrue(RequestHead.parse(ByteBuffer.wrap("*2\r\n$7\r\nCLU".getBytes(StandardCharsets.US_ASCII))).isEmpty());
    }

    @Test
    void clientListAndInfoAndConfigGetOfAnAddressParameterRevealAddresses() {
        for (String revealing : List.of("*2\r\n$6\r\nclient\r\n$4\r\nlist\r\n", "CLIENT INFO\r\n",
                "*3\r\n$6\r\nCONFIG\r\n$3\r\nGET\r\n$4\r\nport\r\n", "config get *\r\n",
                "*3\r\n$6\r\nconfig\r\n$3\r\nget\r\n$18\r\ncluster-announce-*\r\n",
                "*4\r\n$6\r\nCONFIG\r\n$3\r\nGET\r\n$9\r\nmaxmemory\r\n$4\r\nbind\r\n",
                // Eleven patterns: more than are looked at, so taken as naming any.
                "CONFIG GET a b c d e f g h i j k\r\n",
                // Cut off before its pattern: not seen, so taken as naming any.
                "*3\r\n$6\r\nCONFIG\r\n$3\r\nGET\r\n$4\r\npo")) {
            RequestHead head = RequestHead.parse(java.nio.ByteBuffer.wrap(revealing.getBytes(
                    java.nio.charset.StandardCharsets.US_ASCII))).orElseThrow();
            assertTrue(head.revealsAddresses(), revealing);
        }
        for (String other : List.of("CONFIG GET maxmemory\r\n", "CONFIG SET maxmemory 1\r\n", "CLIENT SETNAME x\r\n",
                "CLIENT ID\r\n", "GET port\r\n", "*3\r\n$6\r\nCONFIG\r\n$3\r\nGET\r\n$6\r\nmaxmem\r\n")) {
            RequestHead head = RequestHead.parse(java.nio.ByteBuffer.wrap(other.getBytes(
                    java.nio.charset.StandardCharsets.US_ASCII))).orElseThrow();
            assertFalse(head.revealsAddresses(), other);
        }
        List<byte[]> argv = new java.util.ArrayList<>();
        for (String word : List.of("CONFIG", "GET", "maxmemory", "a", "b", "c", "d", "e", "f", "g", "port")) {
            argv.add(word.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        }
        assertTrue(RequestHead.of(argv).revealsAddresses(), "the eleventh word is not looked at: taken as naming any");
        assertFalse(RequestHead.of(argv.subList(0, 10)).revealsAddresses());
    }

    @Test
    void tellsTheRequestsThatNameNodeAddresses() {
        for (String named : List.of("MIGRATE 127.0.0.1 7001 k 0 5000", "replicaof 10.0.0.1 6379", "SLAVEOF h 1",
                "CLUSTER MEET 10.0.0.1 7001", "CLIENT KILL ADDR 10.0.0.1:5000", "CLIENT KILL 10.0.0.1:5000",
                "client kill laddr 10.0.0.1:7001")) {
            assertTrue(new RequestHead(List.of(named.toUpperCase().split(" "))).namesAddresses(), named);
        }
        for (String other : List.of("GET k", "CLUSTER NODES", "CLIENT KILL ID 7", "CLIENT LIST", "REPLICAS")) {
            assertFalse(new RequestHead(List.of(other.split(" "))).namesAddresses(), other);
        }
    }

    private static List<String> head(String prefix) {
        return RequestHead.parse(ByteBuffer.wrap(prefix.getBytes(StandardCharsets.US_ASCII))).orElseThrow().words();
    }
}
