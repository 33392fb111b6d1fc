package io.cloakmesh.protocol.resp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RespReaderWriterTest {
    private static final String NODE_ID = "8606ba51c1ab9a0e2e39d2a2e5b9f3f6a1c1288c";

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String verbatim(String text) {
        return "=" + (text.length() + 4) + "\r\ntxt:" + text + "\r\n";
    }

    private static RespValue read(String frame) throws RespProtocolException {
        return RespReader.read(ByteBuffer.wrap(bytes(frame)));
    }

    @Test
    void everyWireFormComesBackByteForByte() throws Exception {
        String[] frames = {
            "+OK\r\n", "-MOVED 12182 127.0.0.1:7003\r\n", ":-42\r\n", "$5\r\nhello\r\n", "$0\r\n\r\n", "$-1\r\n", "*-1\r\n",
            "*0\r\n", "_\r\n", "#f\r\n", ",-inf\r\n", "(3492890328409238509324850943850943825024385\r\n",
            "!21\r\nSYNTAX invalid syntax\r\n", "=15\r\ntxt:Some string\r\n", "~2\r\n+a\r\n:1\r\n",
            ">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n", "%1\r\n$8\r\nhostname\r\n$22\r\nnode-7001.dc-b.example\r\n",
            "|1\r\n+ttl\r\n:3600\r\n$1\r\nx\r\n",
            // CLUSTER SLOTS, RESP2, ip mode: one range, a primary and a replica with hostname metadata
            "*1\r\n*4\r\n:0\r\n:5460\r\n*4\r\n$9\r\n127.0.0.1\r\n:7001\r\n$40\r\n" + NODE_ID
                + "\r\n*2\r\n$8\r\nhostname\r\n$22\r\nnode-7001.dc-b.example\r\n*4\r\n$9\r\n127.0.0.1\r\n:7005\r\n$40\r\n"
                + NODE_ID + "\r\n*0\r\n",
            // CLUSTER NODES in RESP3: a verbatim string
            verbatim(NODE_ID + " 127.0.0.1:7001@17001,node-7001.dc-b.example myself,master - 0 0 1 connected 0-5460\n")};
        for (String frame : frames) {
            RespScanner scanner = new RespScanner(RespLimits.DEFAULTS, RespScanner.Direction.REPLIES);
            ByteBuffer buffer = ByteBuffer.wrap(bytes(frame));
            assertTrue(scanner.advance(buffer), frame);
            assertEquals(frame.length(), buffer.position(), "one frame: " + frame);
            assertArrayEquals(bytes(frame), RespWriter.write(read(frame)), frame);
        }
    }

    @Test
    void readsTheShapesTheRewriterNeeds() throws Exception {
        assertEquals(new RespValue.Error("MOVED 12182 127.0.0.1:7003"), read("-MOVED 12182 127.0.0.1:7003\r\n"));
        RespValue.Verbatim nodes = (RespValue.Verbatim) read("=9\r\ntxt:a b\nc\r\n");
        assertEquals("txt", nodes.format());
        assertEquals("a b\nc", new String(nodes.text(), StandardCharsets.ISO_8859_1));
        RespValue.Aggregate slots = (RespValue.Aggregate) read("*1\r\n*3\r\n:0\r\n:5460\r\n*3\r\n$9\r\n127.0.0.1\r\n:7001\r\n$1\r\nx\r\n");
        RespValue.Aggregate range = (RespValue.Aggregate) slots.elements().get(0);
        assertEquals(new RespValue.Int(5460), range.elements().get(1));
        RespValue.Aggregate primary = (RespValue.Aggregate) range.elements().get(2);
        assertEquals("127.0.0.1", new String(((RespValue.Bulk) primary.elements().get(0)).bytes(), StandardCharsets.US_ASCII));
        assertEquals(RespValue.Null.RESP3, read("_\r\n"));
        assertEquals(RespValue.Null.BULK, read("$-1\r\n"));
    }

    @Test
    void aRewrittenValueGetsItsLengthsRecomputed() throws Exception {
        RespValue.Bulk host = new RespValue.Bulk(bytes("10.20.30.40"), false);
        assertEquals("$11\r\n10.20.30.40\r\n", new String(RespWriter.write(host), StandardCharsets.ISO_8859_1));
        RespValue.Verbatim text = new RespValue.Verbatim("txt", bytes("abc\n"));
        assertEquals("=8\r\ntxt:abc\n\r\n", new String(RespWriter.write(text), StandardCharsets.ISO_8859_1));
    }

    @Test
    void refusesAFrameThatIsNotOneWholeValue() {
        for (String bad : new String[] {"$5\r\nhel", "+OK\r\n+OK\r\n", "=2\r\nab\r\n", "*2\r\n:1\r\n", "?\r\n"}) {
            assertThrows(RespProtocolException.class, () -> read(bad), bad);
        }
    }
}
