package io.cloakmesh.protocol.rediscluster;

import io.cloakmesh.protocol.resp.ReplyPairing;
import io.cloakmesh.protocol.resp.RespLimits;
import io.cloakmesh.protocol.resp.RespProtocolException;
import io.cloakmesh.protocol.resp.RespScanner;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.pekko.util.ByteString;
import org.apache.pekko.util.ByteStringBuilder;

/**
 * Cuts a Redis node's replies into what streams through as it arrives and the whole replies that may
 * carry node addresses (errors, which may be MOVED/ASK, and the replies {@link ReplyPairing} marks as
 * topology replies), which are gathered, up to a bound, for rewriting. Simple strings are read whole only
 * for pairing (a +RESET resyncs it) and stream on as they came. Pure: bytes in, bytes and replies out.
 */
final class ReplyCutter {
    /** A whole reply to rewrite, with what it answers ({@code kind}; for an error, what it was paired with). */
    record Whole(ByteString reply, char type, ReplyPairing.Kind kind) {
    }

    private final RespScanner scanner;
    private final ReplyPairing pairing;
    private final int maxGathered;
    private boolean inReply;
    private boolean gathering;
    private char type;
    private ReplyPairing.Kind kind;
    private ByteStringBuilder gathered = new ByteStringBuilder();

    ReplyCutter(RespLimits limits, ReplyPairing pairing, int maxGathered) {
        this.scanner = new RespScanner(limits, RespScanner.Direction.REPLIES);
        this.pairing = pairing;
        this.maxGathered = maxGathered;
    }

    /**
     * Reads {@code bytes} (a view of {@code chunk}), appending what streams through to {@code out}, until
     * they are all read (null) or a whole reply to rewrite is complete (returned; {@code bytes} is then
     * positioned after it).
     */
    Whole next(ByteString chunk, ByteBuffer bytes, ByteStringBuilder out) throws RespProtocolException {
        while (bytes.hasRemaining()) {
            if (!inReply) {
                start((char) bytes.get(bytes.position()));
            }
            int start = bytes.position();
            boolean ended = scanner.advance(bytes);
            ByteString piece = chunk.slice(start, bytes.position());
            if (!gathering) {
                out.append(piece);
            } else {
                gathered.append(piece);
                if (gathered.length() > maxGathered) {
                    throw new RespProtocolException("a reply to rewrite is larger than " + maxGathered + " bytes");
                }
            }
            if (ended) {
                inReply = false;
                if (gathering) {
                    ByteString reply = gathered.result();
                    gathered = new ByteStringBuilder();
                    if (type == '+') {
                        pairing.reply('+', reply.slice(1, reply.length() - 2).decodeString(StandardCharsets.ISO_8859_1));
                        out.append(reply);
                        continue;
                    }
                    return new Whole(reply, type, type == '-' ? pairing.reply('-', null) : kind);
                }
            }
        }
        return null;
    }

    private void start(char replyType) {
        inReply = true;
        type = replyType;
        if (replyType == '+' || replyType == '-') {
            kind = null;  // paired once read: a simple string may be the +RESET that resyncs pairing
            gathering = true;
        } else {
            kind = pairing.reply(replyType, null);
            gathering = kind.carriesAddresses();
        }
    }
}
