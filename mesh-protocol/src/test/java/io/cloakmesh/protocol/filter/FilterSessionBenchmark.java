package io.cloakmesh.protocol.filter;

import io.cloakmesh.protocol.resp.RespLimits;
import io.cloakmesh.protocol.resp.RespProtocolException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.util.ByteString;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the filter costs per command on its own, requests and replies, with the rules of
 * {@code scripts/bench/filter}'s tenant export: the figure that says how much of a filtered path's CPU is
 * the filter's, where the end-to-end rows differ between runs by more than the filter costs. Run by
 * {@code scripts/bench/filter} after its end-to-end rounds ({@code scripts/bench/jmh mesh-protocol
 * FilterSessionBenchmark} alone).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class FilterSessionBenchmark {
    private static final int BATCH = 16;

    @Param({"GET", "SET", "MSET"})
    public String command;

    private FilterSession session;
    private ByteString oneRequest;
    private ByteString oneReply;
    private ByteString requests;
    private ByteString replies;

    @Setup
    public void setUp() {
        KeyRules keys = new KeyRules(List.of(), List.of(), List.of(bytes("key:")), List.of(), List.of(), List.of(),
                List.of(), List.of());
        FilterRules rules = new FilterRules(FilterRules.Mode.STRICT, true, keys, Set.of(), Set.of(), Set.of(),
                Set.of("CONFIG", "FLUSHALL"), Set.of(), Set.of("SCRIPTING"), Map.of());
        CommandFilter filter = new CommandFilter(rules, CommandTable.bundled());
        session = new FilterSession(new FilterStage.Settings(RespLimits.DEFAULTS, 64 * 1024, 1000), () -> filter,
                rule -> {
                });
        StringBuilder batch = new StringBuilder();
        StringBuilder batchReplies = new StringBuilder();
        for (int i = 0; i < BATCH; i++) {
            batch.append(request(i));
            batchReplies.append(command.equals("GET") ? "$3\r\nxxx\r\n" : "+OK\r\n");
        }
        oneRequest = latin1(request(0));
        oneReply = latin1(command.equals("GET") ? "$3\r\nxxx\r\n" : "+OK\r\n");
        requests = latin1(batch.toString());
        replies = latin1(batchReplies.toString());
    }

    /** One command through the session, as at -P 1: the request Redis gets, then the reply the client gets. */
    @Benchmark
    public int single() throws RespProtocolException {
        return session.requests(oneRequest).size() + session.replies(oneReply).size();
    }

    /** What redis-benchmark sends at -P 16 in one read, and Redis's replies to it in one read. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int pipelined() throws RespProtocolException {
        return session.requests(requests).size() + session.replies(replies).size();
    }

    /** The {@code i}th command of a batch, as redis-benchmark makes it (keys key:NNNNNNNNNNNN, 3-byte values). */
    private String request(int i) {
        return switch (command) {
            case "GET" -> resp("GET", key(i));
            case "SET" -> resp("SET", key(i), "xxx");
            default -> {
                String[] argv = new String[21];
                argv[0] = "MSET";
                for (int k = 0; k < 10; k++) {
                    argv[1 + 2 * k] = key(i * 10 + k);
                    argv[2 + 2 * k] = "xxx";
                }
                yield resp(argv);
            }
        };
    }

    private static String key(int n) {
        return String.format("key:%012d", n);
    }

    private static ByteString latin1(String s) {
        return ByteString.fromString(s, StandardCharsets.ISO_8859_1);
    }

    private static String resp(String... argv) {
        StringBuilder out = new StringBuilder("*").append(argv.length).append("\r\n");
        for (String arg : argv) {
            out.append('$').append(arg.length()).append("\r\n").append(arg).append("\r\n");
        }
        return out.toString();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
