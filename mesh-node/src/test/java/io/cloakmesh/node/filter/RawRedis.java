package io.cloakmesh.node.filter;

import io.cloakmesh.protocol.resp.RespLimits;
import io.cloakmesh.protocol.resp.RespReader;
import io.cloakmesh.protocol.resp.RespScanner;
import io.cloakmesh.protocol.resp.RespValue;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** A client that writes bytes exactly as given (pipelines, inline commands) and reads whole replies back. */
public final class RawRedis implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final RespScanner scanner = new RespScanner(RespLimits.DEFAULTS, RespScanner.Direction.REPLIES);
    private byte[] buffered = new byte[0];

    public RawRedis(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(10_000);
        in = socket.getInputStream();
    }

    /** A command as RESP, each word one argument. */
    public static String resp(String... words) {
        StringBuilder frame = new StringBuilder("*").append(words.length).append("\r\n");
        for (String w : words) {
            frame.append('$').append(w.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(w).append("\r\n");
        }
        return frame.toString();
    }

    public RawRedis send(String bytes) throws IOException {
        socket.getOutputStream().write(bytes.getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
        return this;
    }

    /** The next {@code n} replies, each as text: +OK, -ERR ..., :1, $value, *[...], _ (null). */
    public List<String> replies(int n) throws IOException {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(text(value()));
        }
        return out;
    }

    /** The next reply, read. */
    public RespValue value() throws IOException {
        try {
            return RespReader.read(ByteBuffer.wrap(next()));
        } catch (io.cloakmesh.protocol.resp.RespProtocolException e) {
            throw new IOException(e);
        }
    }

    public String reply() throws IOException {
        return replies(1).get(0);
    }

    private byte[] next() throws IOException {
        ByteArrayOutputStream value = new ByteArrayOutputStream();
        while (true) {
            if (buffered.length == 0) {
                byte[] chunk = new byte[8192];
                int read = in.read(chunk);
                if (read < 0) {
                    throw new IOException("connection closed; read so far: " + value);
                }
                buffered = java.util.Arrays.copyOf(chunk, read);
            }
            ByteBuffer bytes = ByteBuffer.wrap(buffered);
            try {
                boolean ended = scanner.advance(bytes);
                value.write(buffered, 0, bytes.position());
                buffered = java.util.Arrays.copyOfRange(buffered, bytes.position(), buffered.length);
                if (ended) {
                    return value.toByteArray();
                }
            } catch (io.cloakmesh.protocol.resp.RespProtocolException e) {
                throw new IOException(e);
            }
        }
    }

    public static String text(RespValue v) {
        if (v instanceof RespValue.Simple s) {
            return "+" + s.text();
        }
        if (v instanceof RespValue.Error e) {
            return "-" + e.text();
        }
        if (v instanceof RespValue.Int i) {
            return ":" + i.value();
        }
        if (v instanceof RespValue.Bulk b) {
            return "$" + new String(b.bytes(), StandardCharsets.UTF_8);
        }
        if (v instanceof RespValue.Aggregate a) {
            return "*" + a.elements().stream().map(RawRedis::text).toList();
        }
        if (v instanceof RespValue.MapValue m) {
            return "%" + m.keysAndValues().stream().map(RawRedis::text).toList();
        }
        if (v instanceof RespValue.Null) {
            return "_";
        }
        return v.toString();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
