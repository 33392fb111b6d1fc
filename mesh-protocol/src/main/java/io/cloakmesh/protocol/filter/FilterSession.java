package io.cloakmesh.protocol.filter;

import io.cloakmesh.protocol.resp.ReplyPairing;
import io.cloakmesh.protocol.resp.RequestHead;
import io.cloakmesh.protocol.resp.RespProtocolException;
import io.cloakmesh.protocol.resp.RespScanner;
import io.cloakmesh.protocol.resp.RespWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.pekko.util.ByteString;
import org.apache.pekko.util.ByteStringBuilder;

/**
 * The filter's decisions on one connection to a Redis, pure: request bytes in, the bytes Redis gets
 * out; reply bytes in, the bytes the client gets out. Every command is read whole ({@link CommandReader}),
 * judged ({@link CommandFilter}) and sent in canonical form — the client's bytes only where they are
 * exactly that, checked as the command is read ({@link CommandReader}). A refused command is
 * replaced by {@code CLOAKMESH-FILTERED <n>}, a command Redis does not know, so that its error comes back
 * in its own place (and a transaction it was queued in aborts with EXECABORT, as Redis aborts one with a
 * queue-time error); the error is reworded on the way back to
 * {@code -NOPERM cloakmesh filter: command blocked by rule <rule>}. The db the connection is in is learnt
 * from the replies: a SELECT counts once answered +OK, one inside a transaction once EXEC ran it, RESET
 * goes back to db 0. The rules are asked for again for each command.
 */
final class FilterSession {
    /** The name Redis is sent in place of a refused command. */
    static final String PLACEHOLDER = "CLOAKMESH-FILTERED";
    private static final byte[] RESET_LINE = "+RESET\r\n".getBytes(StandardCharsets.ISO_8859_1);
    private static final RequestHead PLACEHOLDER_HEAD = new RequestHead(List.of(PLACEHOLDER));
    private static final Pattern PLACEHOLDER_ERROR = Pattern.compile(
            "'" + PLACEHOLDER + "', with args beginning with: '([0-9]+)'", Pattern.CASE_INSENSITIVE);

    private final Supplier<CommandFilter> filter;
    private final FilterStage.Listener listener;
    private final CommandReader reader;
    private final RespScanner replies;
    private final ReplyPairing pairing;
    /** The dbs the connection may be in: one, unless a transaction's SELECT may or may not have run. */
    private Set<Long> dbs = Set.of(0L);
    /** Dbs SELECTed inside the open transaction, and those of each EXEC not yet answered. */
    private Set<Long> queuedDbs = new LinkedHashSet<>();
    private final ArrayDeque<Set<Long>> execs = new ArrayDeque<>();
    /** The db of each SELECT not yet answered. */
    private final ArrayDeque<Long> selects = new ArrayDeque<>();
    /** Refusal rules by the number the placeholder carries, and back. */
    private final List<String> rules = new ArrayList<>();
    private final Map<String, Integer> ruleIds = new HashMap<>();
    /** What Redis gets for the chunk being read so far. */
    private ByteString forwarded = ByteString.emptyByteString();
    /** Whether a simple string or error is being read whole from the replies, and its part so far. */
    private boolean inLine;
    private ByteStringBuilder line;

    FilterSession(FilterStage.Settings settings, Supplier<CommandFilter> filter, FilterStage.Listener listener) {
        this.filter = filter;
        this.listener = listener;
        this.reader = new CommandReader(settings.limits(), settings.maxCommandBytes());
        this.replies = new RespScanner(settings.limits(), RespScanner.Direction.REPLIES);
        this.pairing = new ReplyPairing(settings.maxOutstanding());
    }

    /** What Redis gets for {@code chunk} of the client's requests: the whole commands it completes, judged. */
    ByteString requests(ByteString chunk) throws RespProtocolException {
        forwarded = ByteString.emptyByteString();
        reader.read(chunk, this::forward);
        return forwarded;
    }

    /**
     * Adds what Redis gets for a command: its canonical encoding (the client's frame when it is exactly
     * that: adjacent frames of one read stay one piece), or the placeholder's.
     */
    private void forward(List<byte[]> argv, boolean inline, ByteString canonical) throws RespProtocolException {
        CommandFilter current = filter.get();
        String typed = current.name(argv.get(0));
        CommandFilter.Verdict verdict = !inline || current.rules().inlineAllowed()
                ? judge(current, typed, argv) : new CommandFilter.Verdict("inline commands (filter.inline = deny)");
        listener.judged(verdict.rule());
        if (!verdict.allowed()) {
            pairing.request(PLACEHOLDER_HEAD);
            forwarded = forwarded.concat(placeholder(verdict.rule()));
            return;
        }
        RequestHead head = RequestHead.of(typed, argv);
        track(head, argv);
        pairing.request(head);
        forwarded = forwarded.concat(canonical != null ? canonical : ByteString.fromArrayUnsafe(RespWriter.command(argv)));
    }

    /** Refused if refused in any db the command may run in. */
    private CommandFilter.Verdict judge(CommandFilter current, String typed, List<byte[]> argv) {
        if (dbs.size() == 1 && selects.isEmpty() && !pairing.inTransaction()) {
            return current.judge(dbs.iterator().next(), typed, argv);
        }
        Set<Long> possible = new LinkedHashSet<>(dbs);
        if (pairing.inTransaction()) {
            possible.addAll(queuedDbs);
        }
        // A SELECT not answered yet (or never: CLIENT REPLY OFF) may already have run.
        selects.stream().filter(db -> db >= 0).forEach(possible::add);
        for (long db : possible) {
            CommandFilter.Verdict verdict = current.judge(db, typed, argv);
            if (!verdict.allowed()) {
                return verdict;
            }
        }
        return CommandFilter.Verdict.ALLOW;
    }

    /** SELECT and transactions change the db only once Redis has run them: noted here, applied on replies. */
    private void track(RequestHead head, List<byte[]> argv) {
        switch (head.name()) {
            case "SELECT" -> {
                long db = argv.size() == 2 ? parseDb(argv.get(1)) : -1;
                if (pairing.inTransaction()) {
                    if (db >= 0) {
                        queuedDbs.add(db);
                    }
                } else {
                    selects.add(db);
                }
            }
            case "EXEC" -> {
                if (pairing.inTransaction()) {
                    execs.add(queuedDbs);
                    queuedDbs = new LinkedHashSet<>();
                }
            }
            case "DISCARD", "RESET" -> queuedDbs = new LinkedHashSet<>();
            default -> {
            }
        }
    }

    private ByteString placeholder(String rule) {
        Integer id = ruleIds.get(rule);
        if (id == null) {
            id = rules.size();
            rules.add(rule);
            ruleIds.put(rule, id);
        }
        String n = Integer.toString(id);
        return ByteString.fromString("*2\r\n$" + PLACEHOLDER.length() + "\r\n" + PLACEHOLDER + "\r\n$" + n.length()
                + "\r\n" + n + "\r\n");
    }

    /**
     * What the client gets for {@code chunk} of Redis's replies: they pass as they come, but for the
     * placeholders' errors, reworded, and what tracks the db. A chunk with nothing to reword or hold back
     * is passed on as it is, one element, not cut into its replies.
     */
    ByteString replies(ByteString chunk) throws RespProtocolException {
        ByteBuffer bytes = chunk.asByteBuffer();
        ByteStringBuilder out = null;
        int passFrom = 0;  // the start of the chunk's bytes that go on unchanged and are not in out yet
        while (bytes.hasRemaining()) {
            int start = bytes.position();
            if (!inLine && replies.atBoundary()) {
                char type = (char) bytes.get(start);
                if (type == '+' || type == '-') {
                    inLine = true;
                } else {
                    replied(type, pairing.reply(type, null), null);
                }
            }
            boolean ended = replies.advance(bytes);
            if (!inLine) {
                continue;
            }
            if (ended && line == null && bytes.get(start) == '+') {
                // A whole status line in this read (+OK, +QUEUED) goes on as it is: only RESET matters here.
                inLine = false;
                String text = isReset(bytes, start, bytes.position()) ? "RESET" : null;
                replied('+', pairing.reply('+', text), text);
                continue;
            }
            ByteString piece = chunk.slice(start, bytes.position());
            if (ended) {
                // Most lines arrive whole in one read: no builder for them.
                ByteString whole = line == null ? piece : line.append(piece).result();
                boolean held = line != null;
                line = null;
                inLine = false;
                ByteString answer = simple(whole);
                if (held || answer != whole) {
                    out = passed(out, chunk, passFrom, start).append(answer);
                    passFrom = bytes.position();
                }
            } else {
                out = passed(out, chunk, passFrom, start);
                passFrom = bytes.position();
                if (line == null) {
                    line = new ByteStringBuilder();
                }
                line.append(piece);
            }
        }
        if (out == null) {
            return chunk;
        }
        return passed(out, chunk, passFrom, chunk.length()).result();
    }

    private static boolean isReset(ByteBuffer bytes, int start, int end) {
        if (end - start != RESET_LINE.length) {
            return false;
        }
        for (int i = 0; i < RESET_LINE.length; i++) {
            if (bytes.get(start + i) != RESET_LINE[i]) {
                return false;
            }
        }
        return true;
    }

    /** {@code out} (made if null) with the unchanged bytes of {@code chunk} from {@code from} to {@code to}. */
    private static ByteStringBuilder passed(ByteStringBuilder out, ByteString chunk, int from, int to) {
        ByteStringBuilder builder = out == null ? new ByteStringBuilder() : out;
        return to > from ? builder.append(chunk.slice(from, to)) : builder;
    }

    /** A whole simple string or error: paired, and a placeholder's error reworded. */
    private ByteString simple(ByteString whole) {
        char type = (char) whole.apply(0);
        String text = whole.slice(1, whole.length() - 2).decodeString(StandardCharsets.ISO_8859_1);
        ReplyPairing.Kind kind = pairing.reply(type, type == '+' ? text : null);
        replied(type, kind, text);
        if (type == '-' && text.toUpperCase(Locale.ROOT).contains(PLACEHOLDER)) {
            Matcher m = PLACEHOLDER_ERROR.matcher(text);
            int id = m.find() ? Integer.parseInt(m.group(1)) : -1;
            String rule = id >= 0 && id < rules.size() ? rules.get(id) : "of this export";
            return ByteString.fromString("-NOPERM cloakmesh filter: command blocked by rule " + rule + "\r\n");
        }
        return whole;
    }

    private void replied(char type, ReplyPairing.Kind kind, String text) {
        if (kind == ReplyPairing.Kind.SELECT && !selects.isEmpty()) {
            long db = selects.poll();
            if (type == '+' && db >= 0) {
                dbs = Set.of(db);
            }
        } else if (kind == ReplyPairing.Kind.EXEC && !execs.isEmpty()) {
            Set<Long> ran = execs.poll();
            if (type != '-' && !ran.isEmpty()) {
                // The array says the transaction ran; whether each SELECT in it succeeded is not looked into.
                Set<Long> union = new LinkedHashSet<>(dbs);
                union.addAll(ran);
                dbs = Set.copyOf(union);
            }
        } else if (type == '+' && "RESET".equals(text)) {
            dbs = Set.of(0L);
            selects.clear();
            execs.clear();
        }
    }

    private static long parseDb(byte[] text) {
        String s = new String(text, StandardCharsets.ISO_8859_1);
        return s.matches("[0-9]{1,9}") ? Long.parseLong(s) : -1;
    }
}
