package io.cloakmesh.protocol.filter;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The verdict on one command: RedisShake's order — every key must pass the key rules (a block match
 * wins, an allow list that is set must match), then the db, the command and its group, each allow list
 * before its block list — and, in strict mode, the checks that close the bypasses a data-migration filter
 * leaves open (docs/security.md). Connection control (AUTH, HELLO, PING, SELECT, MULTI, EXEC, ...) is never
 * refused by an allow list, as RedisShake never sees it. Pure: arguments in, a verdict out; the verdict
 * names the rule, never a key.
 */
public final class CommandFilter {
    /** Commands strict mode refuses unless an allow rule names them: they move data away or reveal everything. */
    private static final Set<String> DANGEROUS = Set.of("MIGRATE", "DEBUG", "MONITOR");
    /** ACL categories of commands that read or write data, or reveal or change the server's. */
    private static final Set<String> DATA = Set.of("@keyspace", "@read", "@write", "@pubsub", "@dangerous", "@admin",
            "@scripting");

    /** Stands for every db (FLUSHALL). */
    private static final long ALL_DBS = -1;

    /** Allowed, or refused by {@code rule}. */
    public record Verdict(String rule) {
        public static final Verdict ALLOW = new Verdict(null);

        public boolean allowed() {
            return rule == null;
        }
    }

    /**
     * What the rules say of a command or subcommand by its name alone, worked out once for the whole table
     * when the rules are made, not for every command a client sends.
     *
     * @param byName the command and group rules' verdict (as {@link #judgeNamed} gives it with no db)
     * @param strictByName strict mode's verdict on the name (dangerous commands, scripts)
     * @param keylessData a command that reads, writes or reveals data even without keys (not connection control)
     * @param touchesOtherDbs the dbs it acts on are other than (or more than) the connection's: judged the long way
     * @param subcommands by upper-case subcommand name
     */
    private record Named(CommandSpec spec, Verdict byName, Verdict strictByName, boolean keylessData,
            boolean touchesOtherDbs, Map<String, Named> subcommands) {
    }

    private static final Set<String> OTHER_DBS = Set.of("SELECT", "SWAPDB", "MOVE", "COPY", "FLUSHALL");

    private final FilterRules rules;
    private final CommandTable table;
    private final Map<String, Named> commands = new HashMap<>();
    /** The db rules' verdict on each of Redis's default 16 dbs, worked out once too. */
    private final Verdict[] dbVerdicts = new Verdict[16];

    public CommandFilter(FilterRules rules, CommandTable table) {
        this.rules = rules;
        this.table = table;
        table.commands().forEach((name, spec) -> commands.put(name, named(spec)));
        for (int db = 0; db < dbVerdicts.length; db++) {
            dbVerdicts[db] = db(db).orElse(Verdict.ALLOW);
        }
    }

    private Named named(CommandSpec spec) {
        Map<String, Named> subcommands = new HashMap<>();
        spec.subcommands().forEach((sub, subSpec) -> subcommands.put(sub, named(subSpec)));
        boolean control = connectionControl(spec);
        return new Named(spec, judgeNamed(List.of(), spec.name(), spec.group(), control), strictByName(spec),
                !control && spec.aclCategories().stream().anyMatch(DATA::contains), OTHER_DBS.contains(spec.name()),
                Map.copyOf(subcommands));
    }

    public FilterRules rules() {
        return rules;
    }

    /** The name of the command {@code typed} names, upper-cased (before any rename-command mapping). */
    public String name(byte[] typed) {
        return table.name(typed);
    }

    /** The verdict on {@code argv} (the name first) run in db {@code db}. */
    public Verdict judge(long db, List<byte[]> argv) {
        return judge(db, name(argv.get(0)), argv);
    }

    /** The same, the name as typed already upper-cased ({@link #name}). */
    public Verdict judge(long db, String typed, List<byte[]> argv) {
        boolean strict = rules.mode() == FilterRules.Mode.STRICT;
        String name = rules.renames().getOrDefault(typed, typed);
        Named found = resolve(name, argv);
        if (found == null) {
            return strict ? new Verdict("strict: unknown command") : judgeNamed(List.of(db), name, "UNKNOWN", false);
        }
        CommandSpec spec = found.spec();
        KeyFinder.Result result = KeyFinder.find(spec, argv);
        if (result instanceof KeyFinder.Invalid) {
            return new Verdict("malformed command");
        }
        KeyFinder.Keys keys = (KeyFinder.Keys) result;
        for (int position : keys.positions()) {
            Optional<String> refusal = rules.keys().refusal(argv.get(position));
            if (refusal.isPresent()) {
                return new Verdict(refusal.get());
            }
        }
        Verdict named;
        if (found.touchesOtherDbs()) {
            // SELECT and SWAPDB act on the dbs they name, not on the one the connection is in (RedisShake never
            // sees them: in compat mode they pass the db rules).
            boolean namesItsDbs = spec.name().equals("SELECT") || spec.name().equals("SWAPDB");
            List<Long> dbs = new ArrayList<>(namesItsDbs ? List.of() : List.of(db));
            if (strict) {
                Optional<Verdict> malformed = otherDbs(spec.name(), argv, dbs);
                if (malformed.isPresent()) {
                    return malformed.get();
                }
            }
            named = judgeNamed(dbs, spec.name(), spec.group(), connectionControl(spec));
        } else {
            Verdict current = db >= 0 && db < dbVerdicts.length ? dbVerdicts[(int) db] : db(db).orElse(Verdict.ALLOW);
            named = current.allowed() ? found.byName() : current;
        }
        return named.allowed() && strict ? strictly(found, argv, keys) : named;
    }

    /**
     * RedisShake's checks in its order: the db the command runs in ({@code dbs[0]}, if it runs in one), the
     * command, its group; then the other dbs the command touches (strict), so that an explicit rule is
     * named first.
     */
    private Verdict judgeNamed(List<Long> dbs, String name, String group, boolean control) {
        Optional<Verdict> current = dbs.isEmpty() ? Optional.empty() : db(dbs.get(0));
        if (current.isPresent()) {
            return current.get();
        }
        if (!control && !rules.allowCommand().isEmpty() && !names(rules.allowCommand(), name)) {
            return new Verdict("allow_command");
        }
        String blocked = rule(rules.blockCommand(), name);
        if (blocked != null) {
            return new Verdict("block_command " + blocked);
        }
        if (!control && !rules.allowGroup().isEmpty() && !rules.allowGroup().contains(group)) {
            return new Verdict("allow_command_group");
        }
        if (rules.blockGroup().contains(group)) {
            return new Verdict("block_command_group " + group);
        }
        for (long other : dbs.subList(Math.min(1, dbs.size()), dbs.size())) {
            Optional<Verdict> refused = db(other);
            if (refused.isPresent()) {
                return refused.get();
            }
        }
        return Verdict.ALLOW;
    }

    private Optional<Verdict> db(long db) {
        if (db == ALL_DBS) {
            boolean anyRule = !rules.allowDb().isEmpty() || !rules.blockDb().isEmpty();
            return anyRule ? Optional.of(new Verdict(rules.allowDb().isEmpty() ? "block_db" : "allow_db")) : Optional.empty();
        }
        if (!rules.allowDb().isEmpty() && !rules.allowDb().contains(db)) {
            return Optional.of(new Verdict("allow_db"));
        }
        return rules.blockDb().contains(db) ? Optional.of(new Verdict("block_db")) : Optional.empty();
    }

    /** Strict mode's refusals by name: dangerous commands and scripts, unless a rule allows them by name. */
    private Verdict strictByName(CommandSpec spec) {
        String name = spec.name();
        boolean named = names(rules.allowCommand(), name) || rules.allowGroup().contains(spec.group());
        if (DANGEROUS.contains(container(name)) && !named) {
            return new Verdict("strict: " + container(name) + " (allow it with allow_command)");
        }
        if (spec.group().equals("SCRIPTING") && !named) {
            return new Verdict("strict: scripts and functions (allow them with allow_command or allow_command_group)");
        }
        return Verdict.ALLOW;
    }

    /** What strict mode refuses beyond the rules: each bypass of docs/security.md, unless a rule allows it by name. */
    private Verdict strictly(Named command, List<byte[]> argv, KeyFinder.Keys keys) {
        if (!command.strictByName().allowed() || !rules.keys().any()) {
            return command.strictByName();
        }
        if (keys.readsUnnamedKeys()) {
            return new Verdict("strict: SORT BY or GET patterns read keys the rules cannot check");
        }
        if (command.spec().name().equals("CLIENT|TRACKING") && !bcastCovered(argv)) {
            return new Verdict("strict: CLIENT TRACKING BCAST needs PREFIX arguments within allow_key_prefix");
        }
        if (keys.positions().isEmpty() && command.keylessData()) {
            return new Verdict("strict: a command without keys that reads, writes or reveals data, while key rules are set");
        }
        return Verdict.ALLOW;
    }

    /** Adds the other dbs a command touches (MOVE, COPY ... DB, SWAPDB, SELECT; FLUSHALL all of them). */
    private static Optional<Verdict> otherDbs(String name, List<byte[]> argv, List<Long> dbs) {
        List<Integer> at = new ArrayList<>();
        switch (name) {
            case "MOVE", "SELECT" -> at.add(name.equals("MOVE") ? 2 : 1);
            case "SWAPDB" -> {
                at.add(1);
                at.add(2);
            }
            case "COPY" -> {
                for (int i = 3; i < argv.size() - 1; i++) {
                    if (KeyFinder.is(argv.get(i), "DB")) {
                        at.add(i + 1);
                    }
                }
            }
            case "FLUSHALL" -> dbs.add(ALL_DBS);
            default -> {
            }
        }
        for (int i : at) {
            String text = new String(argv.get(i), StandardCharsets.ISO_8859_1);
            if (!text.matches("-?[0-9]{1,18}")) {
                return Optional.of(new Verdict("malformed command"));
            }
            dbs.add(Long.parseLong(text));
        }
        return Optional.empty();
    }

    private boolean bcastCovered(List<byte[]> argv) {
        boolean bcast = false;
        List<byte[]> prefixes = new ArrayList<>();
        for (int i = 2; i < argv.size(); i++) {
            if (KeyFinder.is(argv.get(i), "BCAST")) {
                bcast = true;
            } else if (KeyFinder.is(argv.get(i), "PREFIX") && i + 1 < argv.size()) {
                prefixes.add(argv.get(++i));
            }
        }
        return !bcast || (!prefixes.isEmpty() && prefixes.stream().allMatch(rules.keys()::coversPrefix));
    }

    /** The command, or its subcommand when it has them; null when the table knows neither. */
    private Named resolve(String name, List<byte[]> argv) {
        Named top = commands.get(name);
        if (top == null || top.subcommands().isEmpty() || argv.size() < 2) {
            return top;  // with no subcommand named, the container alone: Redis answers with an arity error
        }
        return top.subcommands().get(table.name(argv.get(1)));
    }

    /**
     * Commands a client needs to talk at all, which an allow list never refuses (RedisShake never sees
     * them): the connection group but for its administrative commands, and transactions.
     */
    private static boolean connectionControl(CommandSpec spec) {
        boolean administrative = spec.aclCategories().contains("@admin") || spec.aclCategories().contains("@dangerous");
        return (spec.group().equals("CONNECTION") && !administrative) || spec.group().equals("TRANSACTIONS");
    }

    private static boolean names(Set<String> list, String name) {
        return rule(list, name) != null;
    }

    /** The rule of {@code list} naming {@code name}, or its container ({@code CONFIG} names every subcommand of it). */
    private static String rule(Set<String> list, String name) {
        if (list.isEmpty()) {
            return null;
        }
        if (list.contains(name)) {
            return name;
        }
        String container = container(name);
        return list.contains(container) ? container : null;
    }

    private static String container(String name) {
        int bar = name.indexOf('|');
        return bar < 0 ? name : name.substring(0, bar);
    }
}
