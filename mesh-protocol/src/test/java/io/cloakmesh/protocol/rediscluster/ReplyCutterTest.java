package io.cloakmesh.protocol.rediscluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.cloakmesh.protocol.resp.ReplyPairing;
import io.cloakmesh.protocol.resp.RequestHead;
import io.cloakmesh.protocol.resp.RespLimits;
import io.cloakmesh.protocol.resp.RespProtocolException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.util.ByteString;
import org.apache.pekko.util.ByteStringBuilder;
import org.junit.jupiter.api.Test;

class ReplyCutterTest {
    private final ReplyPairing pairing = new ReplyPairing(1000);

    private void asked(String... commands) throws Exception {
        for (String command : commands) {
            pairing.request(new RequestHead(List.of(command.split(" "))));
        }
    }

    /** Feeds {@code chunks} in turn; returns what streamed through and the whole replies, in order. */
    private List<String> cut(ReplyCutter cutter, String... chunks) throws Exception {
        List<String> seen = new ArrayList<>();
        for (String text : chunks) {
            ByteString chunk = ByteString.fromString(text);
            ByteBuffer bytes = chunk.asByteBuffer();
            ByteStringBuilder out = new ByteStringBuilder();
            ReplyCutter.Whole whole;
            while ((whole = cutter.next(chunk, bytes, out)) != null) {
                if (out.length() > 0) {
                    seen.add("stream " + out.result().utf8String());
                    out = new ByteStringBuilder();
                }
                seen.add("whole " + whole.kind() + " " + whole.reply().utf8String());
            }
            if (out.length() > 0) {
                seen.add("stream " + out.result().utf8String());
            }
        }
        return seen;
    }

    @Test
    void plainRepliesStreamAsTheyArriveAndTopologyRepliesComeWhole() throws Exception {
        asked("GET k", "CLUSTER SLOTS", "SET k v");
        ReplyCutter cutter = new ReplyCutter(RespLimits.DEFAULTS, pairing, 1 << 20);
        String slots = "*1\r\n*3\r\n:0\r\n:16383\r\n*2\r\n$8\r\n10.0.0.1\r\n:6379\r\n";
        List<String> seen = cut(cutter, "$5\r\nhel", "lo\r\n" + slots.substring(0, 10), slots.substring(10) + "+OK\r\n");
        assertEquals(List.of("stream $5\r\nhel", "stream lo\r\n", "whole CLUSTER_SLOTS " + slots, "stream +OK\r\n"), seen);
    }

    @Test
    void anErrorComesWholeWithWhatItAnswered() throws Exception {
        asked("GET k");
        ReplyCutter cutter = new ReplyCutter(RespLimits.DEFAULTS, pairing, 1 << 20);
        assertEquals(List.of("whole PLAIN -MOVED 3999 10.0.0.2:6379\r\n"), cut(cutter, "-MOVED 3999 ", "10.0.0.2:6379\r\n"));
    }

    @Test
    void aReplyToRewriteLargerThanTheBoundFailsTheConnection() throws Exception {
        asked("CLUSTER NODES");
        ReplyCutter cutter = new ReplyCutter(RespLimits.DEFAULTS, pairing, 64);
        ByteString big = ByteString.fromString("$200\r\n" + "x".repeat(200) + "\r\n");
        assertThrows(RespProtocolException.class, () -> cutter.next(big, big.asByteBuffer(), new ByteStringBuilder()));
    }

    @Test
    void nothingIsReturnedUntilAWholeReplyIsRead() throws Exception {
        asked("CLUSTER NODES");
        ReplyCutter cutter = new ReplyCutter(RespLimits.DEFAULTS, pairing, 1 << 20);
        ByteString part = ByteString.fromString("$20\r\nabc");
        ByteStringBuilder out = new ByteStringBuilder();
        assertNull(cutter.next(part, part.asByteBuffer(), out));
        assertEquals(0, out.length());
    }
}
