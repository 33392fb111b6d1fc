package io.cloakmesh.protocol.resp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloakmesh.protocol.resp.RespScanner.Direction;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RespScannerTest {

    /** Where each top-level value ends, and its type, feeding the bytes in chunks of {@code chunk}. */
    private static List<String> frames(byte[] stream, Direction direction, RespLimits limits, int chunk)
            throws RespProtocolException {
        RespScanner scanner = new RespScanner(limits, direction);
        List<String> ends = new ArrayList<>();
        for (int from = 0; from < stream.length; from += chunk) {
            ByteBuffer piece = ByteBuffer.wrap(stream, from, Math.min(chunk, stream.length - from));
            while (scanner.advance(piece)) {
                ends.add(scanner.frameType() + "@" + piece.position());
            }
        }
        assertTrue(scanner.atBoundary(), "the stream ends between values");
        return ends;
    }

    private static List<String> frames(String stream, Direction direction) throws RespProtocolException {
        byte[] bytes = stream.getBytes(StandardCharsets.ISO_8859_1);
        List<String> whole = frames(bytes, direction, RespLimits.DEFAULTS, bytes.length);
        for (int chunk : new int[] {1, 2, 3, 7}) {
            assertEquals(whole, frames(bytes, direction, RespLimits.DEFAULTS, chunk), "in chunks of " + chunk);
        }
        return whole;
    }

    private static RespProtocolException refused(String stream, Direction direction, RespLimits limits) {
        return assertThrows(RespProtocolException.class,
                () -> frames(stream.getBytes(StandardCharsets.ISO_8859_1), direction, limits, 1));
    }

    /** Concatenates {@code values} and expects one frame per value, of the type given before each. */
    private static void assertFrames(Direction direction, String... typeThenValue) throws RespProtocolException {
        StringBuilder stream = new StringBuilder();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < typeThenValue.length; i += 2) {
            stream.append(typeThenValue[i + 1]);
            expected.add(typeThenValue[i] + "@" + stream.length());
        }
        assertEquals(expected, frames(stream.toString(), direction));
    }

    @Test
    void findsEveryResp2ReplyWhateverTheChunks() throws Exception {
        assertFrames(Direction.REPLIES, "+", "+OK\r\n", "-", "-MOVED 3999 127.0.0.1:6381\r\n", ":", ":-1000\r\n",
                "$", "$5\r\nhello\r\n", "$", "$0\r\n\r\n", "$", "$-1\r\n", "*", "*-1\r\n", "*", "*0\r\n",
                "*", "*2\r\n$3\r\nfoo\r\n$3\r\nbar\r\n", "*", "*2\r\n*1\r\n:1\r\n*0\r\n");
    }

    @Test
    void findsEveryResp3ReplyAndKeepsAnAttributeWithItsValue() throws Exception {
        assertFrames(Direction.REPLIES, "_", "_\r\n", "#", "#t\r\n", ",", ",3.14\r\n",
                "(", "(3492890328409238509324850943850943825024385\r\n", "!", "!21\r\nSYNTAX invalid syntax\r\n",
                "=", "=15\r\ntxt:Some string\r\n", "%", "%2\r\n+first\r\n:1\r\n+second\r\n:2\r\n",
                "~", "~2\r\n+a\r\n+b\r\n", ">", ">3\r\n+message\r\n+ch\r\n+hi\r\n", "%", "%0\r\n",
                "*", "|1\r\n+key-popularity\r\n%1\r\n$1\r\na\r\n,0.1923\r\n*2\r\n:2039123\r\n:9543892\r\n",
                "*", "*2\r\n|1\r\n+ttl\r\n:3600\r\n$1\r\nx\r\n:7\r\n", "$", "|0\r\n$1\r\ny\r\n");
    }

    @Test
    void readsRequestsInBothForms() throws Exception {
        assertFrames(Direction.REQUESTS, "*", "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n", "i", "PING\r\n",
                "i", "PING\n", "i", "\r\n", "*", "*1\r\n$4\r\nPING\r\n");
    }

    @Test
    void countsPastALargeBulkStringWithoutHoldingIt() throws Exception {
        int size = 3_000_000;
        byte[] stream = new byte[12 + size + 2 + 5];
        System.arraycopy("$3000000\r\n".getBytes(StandardCharsets.US_ASCII), 0, stream, 0, 10);
        int at = 10 + size;
        stream[at] = '\r';
        stream[at + 1] = '\n';
        System.arraycopy("+OK\r\n".getBytes(StandardCharsets.US_ASCII), 0, stream, at + 2, 5);
        byte[] exact = java.util.Arrays.copyOf(stream, at + 7);
        assertEquals(List.of("$@" + (at + 2), "+@" + (at + 7)),
                frames(exact, Direction.REPLIES, RespLimits.DEFAULTS, 65536));
    }

    @Test
    void refusesADeclarationPastABoundBeforeItsLineEnds() {
        RespLimits small = new RespLimits(10, 4, 2, 16);
        assertTrue(refused("$11", Direction.REPLIES, small).getMessage().contains("more than 10 bytes"));
        assertTrue(refused("*5", Direction.REPLIES, small).getMessage().contains("more than 4 elements"));
        assertTrue(refused("%3", Direction.REPLIES, small).getMessage().contains("more than 4 elements"));
        assertTrue(refused("*1\r\n*1\r\n*1\r\n", Direction.REPLIES, small).getMessage().contains("deeper than 2"));
        assertTrue(refused("+" + "x".repeat(17), Direction.REPLIES, small).getMessage().contains("longer than 16"));
        assertTrue(refused("GET " + "k".repeat(20), Direction.REQUESTS, small).getMessage().contains("longer than 16"));
        assertTrue(refused("$99999999999999999999", Direction.REPLIES, RespLimits.DEFAULTS).getMessage()
                .contains("more than"));
    }

    @Test
    void refusesWhatIsNotResp() {
        for (String garbage : new String[] {"GET / HTTP/1.1\r\n", "$3\r\nabcd\r\n", "$3\r\nabc\n", "$x\r\n", "$-2\r\n",
            "%-1\r\n", "+OK\n", "+O\rK\r\n", "_x\r\n", "$?\r\n", "*\r\n"}) {
            assertThrows(RespProtocolException.class, () -> frames(garbage.getBytes(StandardCharsets.ISO_8859_1),
                    Direction.REPLIES, RespLimits.DEFAULTS, 1), garbage);
        }
    }
}
