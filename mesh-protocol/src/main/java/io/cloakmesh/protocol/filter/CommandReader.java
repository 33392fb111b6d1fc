package io.cloakmesh.protocol.filter;

import io.cloakmesh.protocol.resp.RespLimits;
import io.cloakmesh.protocol.resp.RespProtocolException;
import io.cloakmesh.protocol.resp.RespScanner;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.pekko.util.ByteString;
import org.apache.pekko.util.ByteStringBuilder;

/**
 * A client's request stream cut into whole commands, each read into its arguments: the existing RESP
 * codec finds where a command ends and checks its framing ({@link RespScanner}), then its arguments are
 * read straight from the frame; an inline
 * command is split as Redis splits it ({@link InlineCommand}). Anything Redis would answer with a
 * protocol error, and a command longer than {@code maxCommandBytes}, fails the connection. Pure.
 */
final class CommandReader {
    /** One command, read; {@code inline} when it came as an inline line. */
    record Command(List<byte[]> argv, boolean inline) {
    }

    private final RespScanner scanner;
    private final int maxCommandBytes;
    private ByteStringBuilder pending = new ByteStringBuilder();

    CommandReader(RespLimits limits, int maxCommandBytes) {
        this.scanner = new RespScanner(limits, RespScanner.Direction.REQUESTS);
        this.maxCommandBytes = maxCommandBytes;
    }

    /** The commands {@code chunk} completes, in order (empty lines and {@code *0} are no commands, as in Redis). */
    List<Command> read(ByteString chunk) throws RespProtocolException {
        List<Command> commands = new ArrayList<>();
        ByteBuffer bytes = chunk.asByteBuffer();
        while (bytes.hasRemaining()) {
            int start = bytes.position();
            boolean ended = scanner.advance(bytes);
            pending.append(chunk.slice(start, bytes.position()));
            if (pending.length() > maxCommandBytes) {
                throw new RespProtocolException("a command is longer than " + maxCommandBytes + " bytes (filter.max-command-bytes)");
            }
            if (ended) {
                ByteString whole = pending.result();
                pending = new ByteStringBuilder();
                Command command = command(scanner.frameType(), whole);
                if (command != null) {
                    commands.add(command);
                }
            }
        }
        return commands;
    }

    /** The number on a header line the scanner has checked, its CRLF consumed. */
    private static long number(ByteBuffer in) {
        boolean negative = in.get(in.position()) == '-';
        if (negative) {
            in.get();
        }
        long n = 0;
        for (byte b = in.get(); b != '\r'; b = in.get()) {
            n = n * 10 + (b - '0');
        }
        in.get();
        return negative ? -n : n;
    }

    /** True when no part of a command is held (the client may end its requests here). */
    boolean atBoundary() {
        return pending.length() == 0;
    }

    private static Command command(char frameType, ByteString whole) throws RespProtocolException {
        if (frameType == 'i') {
            byte[] line = whole.toArray();
            int end = line.length - 1;  // the LF
            if (end > 0 && line[end - 1] == '\r') {
                end--;
            }
            List<byte[]> argv = InlineCommand.split(Arrays.copyOf(line, end))
                    .orElseThrow(() -> new RespProtocolException("unbalanced quotes (or NUL) in an inline command"));
            return argv.isEmpty() ? null : new Command(argv, true);
        }
        if (frameType != '*') {
            throw new RespProtocolException("expected a command (*), got '" + frameType + "'");
        }
        // The scanner has checked the framing (counts, lengths, CRLFs): the arguments are read straight
        // from it, without building a value tree.
        ByteBuffer in = whole.asByteBuffer();
        in.get();
        long count = number(in);
        if (count <= 0) {
            return null;  // *-1 and *0: Redis reads no command and sends no reply
        }
        List<byte[]> argv = new ArrayList<>((int) Math.min(count, 1024));
        for (long i = 0; i < count; i++) {
            if (in.get() != '$') {
                throw new RespProtocolException("a command's arguments must be bulk strings ($)");
            }
            long length = number(in);
            if (length < 0) {
                throw new RespProtocolException("a command's arguments must be bulk strings ($), not null");
            }
            byte[] arg = new byte[(int) length];
            in.get(arg);
            in.position(in.position() + 2);
            argv.add(arg);
        }
        return new Command(argv, false);
    }
}
