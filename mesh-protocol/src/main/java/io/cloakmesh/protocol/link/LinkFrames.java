package io.cloakmesh.protocol.link;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.pekko.util.ByteString;
import org.apache.pekko.util.ByteStringBuilder;

/**
 * Encoding and incremental decoding of the two open frames (see docs/protocol.md, "Mesh link"):
 *
 * <pre>
 * request: 'C' 'M' 'O' version(1) | u8 length + service (UTF-8) | u8 length + target node id (0 = none)
 * reply:   'C' 'M' 'R' version(1) | u8 status | u8 length + detail (UTF-8)
 * </pre>
 *
 * Every field has a one-byte length, so a frame is at most {@link #MAX_REQUEST_LENGTH} bytes and a reader
 * never buffers more than that. Decoders return {@code null} while the frame is incomplete.
 */
public final class LinkFrames {
    public static final int VERSION = 1;
    private static final int HEADER = 4;
    private static final int MAX_FIELD = 255;
    public static final int MAX_REQUEST_LENGTH = HEADER + 2 * (1 + MAX_FIELD);
    public static final int MAX_REPLY_LENGTH = HEADER + 1 + 1 + MAX_FIELD;
    private static final byte[] REQUEST_MAGIC = {'C', 'M', 'O'};
    private static final byte[] REPLY_MAGIC = {'C', 'M', 'R'};

    /** A decoded frame and how many bytes of the input it used. */
    public record Decoded<T>(T frame, int length) {
    }

    /** A request whose version this side does not speak; answered, then the link is closed. */
    public static final class UnsupportedVersionException extends MalformedFrameException {
        private static final long serialVersionUID = 1L;

        UnsupportedVersionException(int version) {
            super("open request version " + version + ", this node speaks version " + VERSION);
        }
    }

    private LinkFrames() {
    }

    public static ByteString encode(OpenRequest request) {
        ByteStringBuilder b = header(REQUEST_MAGIC);
        field(b, request.service());
        field(b, request.targetNode().orElse(""));
        return b.result();
    }

    public static ByteString encode(OpenReply reply) {
        ByteStringBuilder b = header(REPLY_MAGIC);
        b.putByte((byte) reply.status().code());
        field(b, reply.detail());
        return b.result();
    }

    /** Decodes a request from the start of {@code in}; null if more bytes are needed. */
    public static Decoded<OpenRequest> decodeRequest(ByteString in) {
        Reader r = new Reader(in);
        if (!r.header(REQUEST_MAGIC, "open request")) {
            return null;
        }
        String service = r.field("service");
        String node = service == null ? null : r.field("target node");
        if (node == null) {
            return null;
        }
        if (service.isEmpty()) {
            throw new MalformedFrameException("open request names no service");
        }
        return new Decoded<>(new OpenRequest(service, node.isEmpty() ? Optional.empty() : Optional.of(node)), r.pos);
    }

    /** Decodes a reply from the start of {@code in}; null if more bytes are needed. */
    public static Decoded<OpenReply> decodeReply(ByteString in) {
        Reader r = new Reader(in);
        if (!r.header(REPLY_MAGIC, "open reply") || r.remaining() < 1) {
            return null;
        }
        OpenStatus status = OpenStatus.fromCode(r.u8());
        String detail = r.field("detail");
        if (detail == null) {
            return null;
        }
        return new Decoded<>(new OpenReply(status, detail), r.pos);
    }

    static void checkField(String name, String value, int minLength) {
        if (value == null || value.getBytes(StandardCharsets.UTF_8).length < minLength
                || value.getBytes(StandardCharsets.UTF_8).length > MAX_FIELD) {
            throw new IllegalArgumentException(name + " must be " + minLength + " to " + MAX_FIELD + " bytes of UTF-8");
        }
    }

    /** Cuts a detail message to what fits its one-byte length, on a character boundary. */
    static String truncate(String detail) {
        String d = detail;
        while (d.getBytes(StandardCharsets.UTF_8).length > MAX_FIELD) {
            d = d.substring(0, d.length() - 1);
        }
        return d;
    }

    private static ByteStringBuilder header(byte[] magic) {
        ByteStringBuilder b = new ByteStringBuilder();
        b.putBytes(magic);
        b.putByte((byte) VERSION);
        return b;
    }

    private static void field(ByteStringBuilder b, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        b.putByte((byte) bytes.length);
        b.putBytes(bytes);
    }

    private static final class Reader {
        private final ByteString in;
        private int pos;

        Reader(ByteString in) {
            this.in = in;
        }

        int remaining() {
            return in.size() - pos;
        }

        int u8() {
            return in.apply(pos++) & 0xff;
        }

        /** Checks magic and version as far as the bytes go, so garbage is refused at its first byte. */
        boolean header(byte[] magic, String what) {
            for (int i = 0; i < magic.length; i++) {
                if (i >= in.size()) {
                    return false;
                }
                if (in.apply(i) != magic[i]) {
                    throw new MalformedFrameException("not a cloakmesh " + what + " (bad magic)");
                }
            }
            if (in.size() < HEADER) {
                return false;
            }
            int version = in.apply(magic.length) & 0xff;
            if (version != VERSION) {
                throw new UnsupportedVersionException(version);
            }
            pos = HEADER;
            return true;
        }

        String field(String name) {
            if (remaining() < 1) {
                return null;
            }
            int length = in.apply(pos) & 0xff;
            if (remaining() < 1 + length) {
                return null;
            }
            byte[] bytes = in.slice(pos + 1, pos + 1 + length).toArray();
            pos += 1 + length;
            try {
                return StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
            } catch (CharacterCodingException e) {
                throw new MalformedFrameException(name + " is not valid UTF-8");
            }
        }
    }
}
