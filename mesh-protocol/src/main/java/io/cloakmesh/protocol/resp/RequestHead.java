package io.cloakmesh.protocol.resp;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A request's command name and first arguments, upper-cased, read from the first bytes of its frame
 * (the caller keeps a bounded prefix; the rest of a large request streams past). Enough to tell
 * {@code CLUSTER NODES} from {@code CLUSTER KEYSLOT}, {@code CLIENT REPLY OFF} from {@code CLIENT LIST}.
 */
public record RequestHead(List<String> words) {
    /** Name and up to two arguments: the deepest any pairing decision looks. */
    private static final int WORDS = 3;
    /** Longer words are never command or subcommand names. */
    private static final int MAX_WORD = 32;
    /** The commands whose arguments a decision here or in {@link ReplyPairing} looks at. */
    private static final Set<String> ARGUMENTS_MATTER = Set.of("CLIENT", "CLUSTER", "HELLO", "CONFIG", "SLOWLOG",
            "ACL");
    /** CONFIG GET's patterns are all looked at, up to this many words; a longer request is taken as naming any. */
    private static final int CONFIG_WORDS = 10;
    /**
     * The parameters whose value is a node's own address or port, or its primary's (Redis 7), which a
     * CONFIG GET through the mesh must not show.
     */
    private static final List<String> ADDRESS_PARAMETERS = List.of("port", "tls-port", "bind", "bind-source-addr",
            "cluster-port", "cluster-announce-ip", "cluster-announce-port", "cluster-announce-tls-port",
            "cluster-announce-bus-port", "cluster-announce-hostname", "replica-announce-ip", "replica-announce-port",
            "slave-announce-ip", "slave-announce-port", "replicaof", "slaveof");

    public String name() {
        return words.isEmpty() ? "" : words.get(0);
    }

    /** The {@code i}th argument (1 = the first after the name), or "". */
    public String arg(int i) {
        return i < words.size() ? words.get(i) : "";
    }

    /**
     * Whether the request names node addresses for Redis to use: MIGRATE, REPLICAOF/SLAVEOF, CLUSTER MEET,
     * CLIENT KILL by address. Through the mesh a client only knows mesh endpoints, which mean nothing to
     * the cluster's nodes.
     */
    public boolean namesAddresses() {
        return switch (name()) {
            case "MIGRATE", "REPLICAOF", "SLAVEOF" -> true;
            case "CLUSTER" -> arg(1).equals("MEET");
            case "CLIENT" -> arg(1).equals("KILL") && (arg(2).equals("ADDR") || arg(2).equals("LADDR") || arg(2).contains(":"));
            default -> false;
        };
    }

    /**
     * Whether the reply would show the node's real address, which the mesh cannot rewrite in it: CLIENT LIST
     * and CLIENT INFO ({@code laddr=}, and {@code addr=} naming the exit), CONFIG GET of a pattern that
     * matches an address parameter (or of patterns not all seen, "" here), MONITOR (each line names the
     * client that sent the command: the exit, or on a replica its primary), SLOWLOG GET (each entry names
     * its client, and its arguments may be addresses) and ACL LOG (each entry's client-info has laddr=).
     */
    public boolean revealsAddresses() {
        return switch (name()) {
            case "MONITOR" -> true;
            case "SLOWLOG" -> arg(1).equals("GET");
            case "ACL" -> arg(1).equals("LOG") && !arg(2).equals("RESET");
            case "CLIENT" -> arg(1).equals("LIST") || arg(1).equals("INFO");
            case "CONFIG" -> arg(1).equals("GET") && words.subList(Math.min(2, words.size()), words.size()).stream()
                    .anyMatch(pattern -> pattern.isEmpty()
                            || ADDRESS_PARAMETERS.stream().anyMatch(parameter -> Glob.matches(pattern, parameter)));
            default -> false;
        };
    }

    /**
     * Whether the request runs a script or function (EVAL, EVALSHA, FCALL and their read-only forms): its
     * reply is whatever the script returns, which may be any command's reply, CLUSTER NODES included, and
     * cannot be told apart from data to be rewritten.
     */
    public boolean runsScript() {
        return switch (name()) {
            case "EVAL", "EVALSHA", "EVAL_RO", "EVALSHA_RO", "FCALL", "FCALL_RO" -> true;
            default -> false;
        };
    }

    /** How many words of a request named {@code name} are kept. */
    private static int wordsOf(String name) {
        return name.equals("CONFIG") ? CONFIG_WORDS : WORDS;
    }

    /**
     * The head of {@code words}, read from a request of {@code total} words. A CONFIG request whose
     * patterns were not all seen (cut off by the prefix, or beyond the words kept) gets an "" word for
     * them, which {@link #revealsAddresses} takes as naming any parameter.
     */
    private static RequestHead seen(List<String> words, int total) {
        if (!words.isEmpty() && words.get(0).equals("CONFIG") && words.size() < total) {
            words.add("");
        }
        return new RequestHead(List.copyOf(words));
    }

    /** The head of a command already read into its arguments; arguments are folded only where they matter. */
    public static RequestHead of(List<byte[]> argv) {
        return argv.isEmpty() || argv.get(0).length > MAX_WORD ? new RequestHead(List.of("")) : of(AsciiCase.upper(argv.get(0)), argv);
    }

    /** The head of a command already read into its arguments, its name already upper-cased. */
    public static RequestHead of(String name, List<byte[]> argv) {
        if (name.length() > MAX_WORD) {
            return new RequestHead(List.of(""));
        }
        if (argv.size() == 1 || !ARGUMENTS_MATTER.contains(name)) {
            return new RequestHead(List.of(name));
        }
        int kept = wordsOf(name);
        List<String> words = new ArrayList<>(kept);
        words.add(name);
        for (int i = 1; i < Math.min(kept, argv.size()); i++) {
            words.add(argv.get(i).length <= MAX_WORD ? AsciiCase.upper(argv.get(i)) : "");
        }
        return seen(words, argv.size());
    }

    /**
     * The head of the request whose frame starts at {@code prefix}'s position; empty if the prefix ends
     * before the name does. Arguments cut off by the prefix's end, or too long to be names, are left out.
     */
    public static Optional<RequestHead> parse(ByteBuffer prefix) {
        ByteBuffer in = prefix.duplicate();
        List<String> words = new ArrayList<>();
        if (!in.hasRemaining()) {
            return Optional.empty();
        }
        if (in.get(in.position()) != '*') {
            String line = line(in);
            if (line == null) {
                return Optional.empty();
            }
            String[] split = line.trim().split("\\s+");
            int kept = split.length == 0 ? WORDS : wordsOf(AsciiCase.upper(split[0]));
            for (String word : split) {
                if (words.size() < kept && !word.isEmpty()) {
                    words.add(word.length() <= MAX_WORD ? AsciiCase.upper(word) : "");
                }
            }
            return Optional.of(seen(words, split.length));
        }
        in.get();
        String count = line(in);
        if (count == null) {
            return Optional.empty();
        }
        int elements = parseInt(count);
        int kept = WORDS;
        for (int i = 0; i < Math.min(elements, kept); i++) {
            if (!in.hasRemaining() || in.get() != '$') {
                break;
            }
            String header = line(in);
            int length = header == null ? -1 : parseInt(header);
            if (length < 0 || length > in.remaining() - 2) {
                break;
            }
            byte[] word = new byte[length];
            in.get(word);
            in.position(in.position() + 2);
            words.add(length <= MAX_WORD ? AsciiCase.upper(word) : "");
            if (i == 0) {
                kept = wordsOf(words.get(0));
            }
        }
        return words.isEmpty() && elements > 0 ? Optional.empty() : Optional.of(seen(words, elements));
    }

    /** The line at the position (CRLF or LF ended), or null if the buffer ends first. */
    private static String line(ByteBuffer in) {
        StringBuilder text = new StringBuilder();
        while (in.hasRemaining()) {
            byte b = in.get();
            if (b == '\n') {
                int end = text.length();
                return end > 0 && text.charAt(end - 1) == '\r' ? text.substring(0, end - 1) : text.toString();
            }
            if (text.length() > 64 * 1024) {
                return null;
            }
            text.append((char) (b & 0xff));
        }
        return null;
    }

    private static int parseInt(String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
