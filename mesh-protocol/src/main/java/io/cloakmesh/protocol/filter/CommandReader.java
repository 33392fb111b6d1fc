package io.cloakmesh.protocol.filter;

import io.cloakmesh.protocol.resp.RespLimits;
import io.cloakmesh.protocol.resp.RespProtocolException;
import io.cloakmesh.protocol.resp.RespScanner;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.util.ByteString;
import org.apache.pekko.util.ByteStringBuilder;

/**
 * A client's request stream cut into whole commands, each read into its arguments: the existing RESP
 * codec finds where a command ends and checks its framing ({@link RespScanner}), then its arguments are
 * read straight from the frame; an inline
 * command is split as Redis splits it ({@link InlineCommand}). Anything Redis would answer with a
 * protocol error, and a command longer than {@code maxCommandBytes}, fails the connection. Each command's
 * frame is handed on too when it is already in canonical form, so that it need not be written again. Pure.
 */
final class CommandReader {
    /** Where the commands read go, in order. */
    interface Commands {
        /**
         * @param inline the command came as an inline line
         * @param canonical the command's frame when its bytes are exactly those that {@link io.cloakmesh.protocol.resp.RespWriter#command}
         *     makes of {@code argv} (no number written with leading zeros), else null
         */
        void command(List<byte[]> argv, boolean inline, ByteString canonical) throws RespProtocolException;
    }

    private final RespScanner scanner;
    private final int maxCommandBytes;
    /** The part of a command that an earlier chunk began, or null: most commands end in the chunk they begin in. */
    private ByteStringBuilder pending;
    private int pendingLength;

    CommandReader(RespLimits limits, int maxCommandBytes) {
        this.scanner = new RespScanner(limits, RespScanner.Direction.REQUESTS);
        this.maxCommandBytes = maxCommandBytes;
    }

    /** Hands {@code to} the commands {@code chunk} completes, in order (empty lines and {@code *0} are no commands, as in Redis). */
    void read(ByteString chunk, Commands to) throws RespProtocolException {
        ByteBuffer bytes = chunk.asByteBuffer();
        while (bytes.hasRemaining()) {
            int start = bytes.position();
            boolean ended = scanner.advance(bytes);
            int end = bytes.position();
            if (pendingLength + end - start > maxCommandBytes) {
                throw new RespProtocolException("a command is longer than " + maxCommandBytes + " bytes (filter.max-command-bytes)");
            }
            if (!ended) {
                if (pending == null) {
                    pending = new ByteStringBuilder();
                }
                pending.append(chunk.slice(start, end));
                pendingLength += end - start;
            } else if (pending == null) {
                command(scanner.frameType(), chunk.slice(start, end), bytes, start, end, to);
            } else {
                ByteString whole = pending.append(chunk.slice(start, end)).result();
                pending = null;
                pendingLength = 0;
                command(scanner.frameType(), whole, whole.asByteBuffer(), 0, whole.length(), to);
            }
        }
    }

    /** True when no part of a command is held (the client may end its requests here). */
    boolean atBoundary() {
        return pendingLength == 0;
    }

    /** The command {@code frame}, which is {@code in} from {@code from} to {@code to} (absolute indexes), to {@code sink}. */
    private static void command(char frameType, ByteString frame, ByteBuffer in, int from, int to, Commands sink)
            throws RespProtocolException {
        if (frameType == 'i') {
            int end = to - 1;  // the LF
            if (end > from && in.get(end - 1) == '\r') {
                end--;
            }
            byte[] line = new byte[end - from];
            in.get(from, line);
            List<byte[]> argv = InlineCommand.split(line)
                    .orElseThrow(() -> new RespProtocolException("unbalanced quotes (or NUL) in an inline command"));
            if (!argv.isEmpty()) {
                sink.command(argv, true, null);
            }
            return;
        }
        if (frameType != '*') {
            throw new RespProtocolException("expected a command (*), got '" + frameType + "'");
        }
        // The scanner has checked the framing (counts, lengths, CRLFs): the arguments are read straight
        // from it, without building a value tree. A header's number ends at its CR; the LF follows.
        int at = from + 1;
        long count = 0;
        boolean negative = in.get(at) == '-';
        boolean canonical = in.get(at) != '0';
        for (at += negative ? 1 : 0; in.get(at) != '\r'; at++) {
            count = count * 10 + (in.get(at) - '0');
        }
        at += 2;
        if (negative || count == 0) {
            return;  // *-1 and *0: Redis reads no command and sends no reply
        }
        List<byte[]> argv = new ArrayList<>((int) Math.min(count, 1024));
        for (long i = 0; i < count; i++) {
            if (in.get(at) != '$') {
                throw new RespProtocolException("a command's arguments must be bulk strings ($)");
            }
            if (in.get(at + 1) == '-') {
                throw new RespProtocolException("a command's arguments must be bulk strings ($), not null");
            }
            int digits = ++at;
            int length = 0;
            for (; in.get(at) != '\r'; at++) {
                length = length * 10 + (in.get(at) - '0');
            }
            canonical &= in.get(digits) != '0' || at - digits == 1;
            at += 2;
            byte[] arg = new byte[length];
            in.get(at, arg);
            at += length + 2;
            argv.add(arg);
        }
        sink.command(argv, false, canonical ? frame : null);
    }
}
