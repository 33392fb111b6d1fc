package io.cloakmesh.protocol.resp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A million and more generated inputs, seeded so a failure repeats: well-formed RESP2/RESP3 values cut
 * in random chunks, the same truncated, with bytes flipped, with headers declaring sizes past every bound,
 * and plain garbage. The scanner and reader may refuse an input only with {@link RespProtocolException},
 * must cut well-formed streams exactly where each value ends (so the bytes pass through as they came),
 * and must refuse an oversized header without allocating what it declares.
 */
class RespFuzzTest {
    private static final RespLimits LIMITS = new RespLimits(1 << 20, 1 << 16, 16, 4096);
    private static final int INPUTS = 1_100_000;

    @Test
    void survivesAMillionRandomTruncatedAndOversizedInputs() {
        Random random = new Random(20261122L);
        long heapBefore = usedHeap();
        int wellFormed = 0;
        int refused = 0;
        for (int i = 0; i < INPUTS; i++) {
            RespScanner.Direction direction = random.nextBoolean() ? RespScanner.Direction.REPLIES : RespScanner.Direction.REQUESTS;
            ByteArrayOutputStream values = new ByteArrayOutputStream();
            int count = 1 + random.nextInt(4);
            int[] ends = new int[count];
            for (int v = 0; v < count; v++) {
                value(random, values, 0, direction);
                ends[v] = values.size();
            }
            byte[] input = values.toByteArray();
            int mutation = random.nextInt(10);
            switch (mutation) {
                case 0 -> input = java.util.Arrays.copyOf(input, random.nextInt(input.length));
                case 1 -> input[random.nextInt(input.length)] = (byte) random.nextInt(256);
                case 2 -> input = oversized(random);
                case 3 -> {
                    input = new byte[1 + random.nextInt(64)];
                    random.nextBytes(input);
                }
                default -> {
                    // well-formed
                }
            }
            try {
                int[] cuts = scan(input, direction, random);
                if (mutation >= 4) {
                    wellFormed++;
                    assertArrayEquals(ends, cuts, "input " + i + " was cut elsewhere than where its values end");
                    int start = 0;
                    for (int end : cuts) {
                        if (direction == RespScanner.Direction.REPLIES) {
                            RespValue read = RespReader.read(ByteBuffer.wrap(input, start, end - start).slice());
                            assertArrayEquals(java.util.Arrays.copyOfRange(input, start, end), RespWriter.write(read),
                                    "input " + i + ": a value read and written again differs from what came");
                        }
                        start = end;
                    }
                }
            } catch (RespProtocolException e) {
                refused++;
                if (mutation >= 4) {
                    fail("input " + i + " is well-formed RESP but was refused: " + e.getMessage());
                }
            }
        }
        assertTrue(wellFormed > INPUTS / 2 && refused > INPUTS / 10, wellFormed + " well-formed, " + refused + " refused");
        // Oversized headers declare up to 2^62 bytes: the heap grows by what the test itself keeps, nothing more.
        assertTrue(usedHeap() - heapBefore < 256L << 20, "heap grew by " + (usedHeap() - heapBefore) + " bytes");
    }

    @Test
    void aDeclaredSizePastTheBoundIsRefusedAtItsHeader() {
        for (String header : new String[] {"$1048577\r\n", "*65537\r\n", "%65537\r\n", "$4611686018427387904\r\n"}) {
            RespScanner scanner = new RespScanner(LIMITS, RespScanner.Direction.REPLIES);
            try {
                scanner.advance(ByteBuffer.wrap(header.getBytes(StandardCharsets.US_ASCII)));
                fail(header.trim() + " was accepted");
            } catch (RespProtocolException e) {
                assertTrue(e.getMessage().contains("more than") || e.getMessage().contains("not RESP"), e.getMessage());
            }
        }
    }

    /** Where each top-level value ended, feeding the input in random chunks. */
    private static int[] scan(byte[] input, RespScanner.Direction direction, Random random) throws RespProtocolException {
        RespScanner scanner = new RespScanner(LIMITS, direction);
        int[] cuts = new int[input.length];
        int found = 0;
        int pos = 0;
        while (pos < input.length) {
            int chunk = 1 + random.nextInt(Math.min(64, input.length - pos));
            ByteBuffer buffer = ByteBuffer.wrap(input, pos, chunk);
            while (buffer.hasRemaining()) {
                if (scanner.advance(buffer)) {
                    cuts[found++] = buffer.position();
                }
            }
            pos += chunk;
        }
        return java.util.Arrays.copyOf(cuts, found);
    }

    private static void value(Random random, ByteArrayOutputStream out, int depth, RespScanner.Direction direction) {
        if (direction == RespScanner.Direction.REQUESTS) {
            int words = 1 + random.nextInt(5);
            write(out, "*" + words + "\r\n");
            for (int w = 0; w < words; w++) {
                bulk(random, out);
            }
            return;
        }
        int kind = random.nextInt(depth >= 3 ? 8 : 12);
        switch (kind) {
            case 0 -> write(out, "+" + text(random) + "\r\n");
            case 1 -> write(out, "-ERR " + text(random) + "\r\n");
            case 2 -> write(out, ":" + (random.nextLong() % 100000) + "\r\n");
            case 3, 4 -> bulk(random, out);
            case 5 -> write(out, random.nextBoolean() ? "$-1\r\n" : "_\r\n");
            case 6 -> write(out, random.nextBoolean() ? "#t\r\n" : ",3.25\r\n");
            case 7 -> {
                String body = "txt:" + text(random);
                write(out, "=" + body.length() + "\r\n" + body + "\r\n");
            }
            default -> {
                char type = "*%~>".charAt(random.nextInt(4));
                int n = random.nextInt(4);
                write(out, type + "" + n + "\r\n");
                for (int e = 0; e < (type == '%' ? 2 * n : n); e++) {
                    value(random, out, depth + 1, direction);
                }
            }
        }
    }

    private static void bulk(Random random, ByteArrayOutputStream out) {
        byte[] body = new byte[random.nextInt(random.nextInt(20) == 0 ? 3000 : 24)];
        random.nextBytes(body);
        write(out, "$" + body.length + "\r\n");
        out.writeBytes(body);
        write(out, "\r\n");
    }

    private static byte[] oversized(Random random) {
        String[] headers = {"$", "*", "%", "~", ">", "="};
        long size = 1L << (21 + random.nextInt(41));
        return (headers[random.nextInt(headers.length)] + size + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    private static String text(Random random) {
        StringBuilder s = new StringBuilder();
        int n = random.nextInt(12);
        for (int i = 0; i < n; i++) {
            s.append((char) ('a' + random.nextInt(26)));
        }
        return s.toString();
    }

    private static void write(ByteArrayOutputStream out, String s) {
        out.writeBytes(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    private static long usedHeap() {
        Runtime r = Runtime.getRuntime();
        System.gc();
        return r.totalMemory() - r.freeMemory();
    }
}
