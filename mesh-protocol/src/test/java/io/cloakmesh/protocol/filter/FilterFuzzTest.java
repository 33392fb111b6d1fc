package io.cloakmesh.protocol.filter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.re2j.Pattern;
import io.cloakmesh.protocol.resp.RespLimits;
import io.cloakmesh.protocol.resp.RespProtocolException;
import io.cloakmesh.protocol.resp.RespWriter;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.Test;

/**
 * A million random, truncated, corrupted and oversized request streams through the filter's session,
 * cut into random chunks: it never crashes (a stream it cannot read fails the connection), holds no more
 * than one bounded command, and — checked by reading back what it sends upstream, as a recorder on the
 * Redis side would — never sends a command the rules refuse: everything upstream parses, and is either
 * allowed in db 0 or the placeholder.
 */
class FilterFuzzTest {
    private static final int STREAMS = 1_000_000;
    private static final int MAX_COMMAND = 4096;
    private static final CommandTable TABLE = CommandTable.bundled();
    private static final List<String> NAMES = new ArrayList<>(TABLE.commands().keySet());
    private static final String[] KEYS = {"t1:a", "t2:b", "t1:secret", "t1:x:lock", "", "t1:tmp7", "STREAMS", "KEYS"};

    private static final CommandFilter FILTER = new CommandFilter(new FilterRules(FilterRules.Mode.STRICT, true,
            new KeyRules(List.of(), List.of(b("t1:secret")), List.of(b("t1:")), List.of(), List.of(), List.of(b(":lock")),
                    List.of(), List.of(Pattern.compile("tmp[0-9]"))),
            Set.of(0L), Set.of(), Set.of(), Set.of("CONFIG", "FLUSHALL"), Set.of(), Set.of("HYPERLOGLOG"), Map.of()), TABLE);

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void noStreamGetsARefusedCommandUpstream() throws Exception {
        Random random = new Random(20261202);
        FilterStage.Settings settings = new FilterStage.Settings(RespLimits.DEFAULTS, MAX_COMMAND, 1000);
        int failed = 0;
        int forwarded = 0;
        for (int i = 0; i < STREAMS; i++) {
            byte[] stream = stream(random);
            FilterSession session = new FilterSession(settings, () -> FILTER, rule -> { });
            ByteArrayOutputStream upstream = new ByteArrayOutputStream();
            try {
                int at = 0;
                while (at < stream.length) {
                    int n = 1 + random.nextInt(Math.max(1, stream.length - at));
                    upstream.writeBytes(session.requests(ByteString.fromArray(stream, at, n)).toArray());
                    at += n;
                }
            } catch (RespProtocolException expected) {
                failed++;
            } catch (RuntimeException e) {
                fail("stream " + i + " crashed the filter: " + e + " on " + new String(stream, StandardCharsets.ISO_8859_1), e);
            }
            forwarded += checkUpstream(upstream.toByteArray(), i);
        }
        assertTrue(failed > STREAMS / 100 && forwarded > STREAMS / 2, "the streams exercise both paths: " + failed
                + " failed, " + forwarded + " commands forwarded");
    }

    /** Reads what went upstream as Redis would; every command must be allowed or the placeholder. */
    private static int checkUpstream(byte[] upstream, int i) throws RespProtocolException {
        CommandReader redis = new CommandReader(RespLimits.DEFAULTS, Integer.MAX_VALUE);
        int[] commands = {0};
        ByteArrayOutputStream canonical = new ByteArrayOutputStream();
        redis.read(ByteString.fromArray(upstream), (argv, inline, frame) -> {
            canonical.writeBytes(RespWriter.command(argv));
            assertTrue(!inline, "stream " + i + ": an inline command went upstream");
            String name = new String(argv.get(0), StandardCharsets.ISO_8859_1);
            if (!name.equals(FilterSession.PLACEHOLDER) && !FILTER.judge(0, argv).allowed()) {
                fail("stream " + i + ": a refused command went upstream: " + argv.stream()
                        .map(a -> new String(a, StandardCharsets.ISO_8859_1)).toList());
            }
            commands[0]++;
        });
        assertTrue(redis.atBoundary(), "stream " + i + ": a partial command went upstream");
        assertArrayEquals(canonical.toByteArray(), upstream, "stream " + i + ": upstream got other bytes than the canonical "
                + "encoding of the commands it reads");
        return commands[0];
    }

    /** A few commands, valid or nearly so, in RESP or inline, then perhaps cut short or corrupted. */
    private static byte[] stream(Random random) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int commands = 1 + random.nextInt(3);
        for (int c = 0; c < commands; c++) {
            List<String> words = new ArrayList<>();
            words.add(random.nextInt(4) == 0 ? pick(random, new String[] {"get", "SET", "mset", "Eval", "select", "config",
                    "FLUSHALL", "multi", "exec", "sort", "client", "move", "copy"}) : NAMES.get(random.nextInt(NAMES.size())));
            int args = random.nextInt(6);
            for (int a = 0; a < args; a++) {
                words.add(random.nextInt(3) == 0 ? Integer.toString(random.nextInt(4) - 1) : pick(random, KEYS));
            }
            if (random.nextInt(5) == 0) {
                out.writeBytes(b(String.join(random.nextBoolean() ? " " : "  ", words) + (random.nextBoolean() ? "\r\n" : "\n")));
            } else {
                out.writeBytes(b("*" + words.size() + "\r\n"));
                for (String w : words) {
                    out.writeBytes(b("$" + w.length() + "\r\n" + w + "\r\n"));
                }
            }
        }
        byte[] bytes = out.toByteArray();
        switch (random.nextInt(8)) {
            case 0 -> bytes = java.util.Arrays.copyOf(bytes, random.nextInt(bytes.length + 1));
            case 1 -> bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
            case 2 -> bytes = b("*1\r\n$" + (MAX_COMMAND + random.nextInt(1 << 20)) + "\r\n" + "x".repeat(MAX_COMMAND + 10));
            case 3 -> bytes = b("*" + (1 + random.nextInt(5)) + "\r\n:" + random.nextInt(9) + "\r\n");
            case 4 -> bytes = b("\"\\x46LUSHALL\" 'a\\'b' \"unbalanced\r\n");
            case 5 -> bytes = b(new String(bytes, StandardCharsets.ISO_8859_1).replaceAll("([*$])([0-9])", "$10$2"));
            default -> {
            }
        }
        return bytes;
    }

    private static String pick(Random random, String[] from) {
        return from[random.nextInt(from.length)];
    }
}
