package io.cloakmesh.protocol.filter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cloakmesh.protocol.resp.AsciiCase;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The Redis commands the filter knows, generated from a real redis-server's COMMAND and COMMAND DOCS
 * by {@code scripts/gen-command-table} and committed as {@code redis-commands.json}. A command the table
 * lacks is unknown: strict mode denies it.
 */
public final class CommandTable {
    private static final String RESOURCE = "redis-commands.json";
    private static final CommandTable BUNDLED = load();

    private final String redisVersion;
    private final Map<String, CommandSpec> commands;
    private final AsciiCase.Words names;

    CommandTable(String redisVersion, Map<String, CommandSpec> commands) {
        this.redisVersion = redisVersion;
        this.commands = Collections.unmodifiableMap(commands);
        Set<String> words = new LinkedHashSet<>(commands.keySet());
        commands.values().forEach(c -> words.addAll(c.subcommands().keySet()));
        this.names = new AsciiCase.Words(words);
    }

    /** The table this build carries. */
    public static CommandTable bundled() {
        return BUNDLED;
    }

    /** The Redis version the table was generated from. */
    public String redisVersion() {
        return redisVersion;
    }

    /** Every top-level command, by upper-case name. */
    public Map<String, CommandSpec> commands() {
        return commands;
    }

    /** A command or subcommand name as a client typed it, upper-cased (without a new String when the table has it). */
    public String name(byte[] typed) {
        return names.upper(typed);
    }

    /** A top-level command by its upper-case name. */
    public Optional<CommandSpec> command(String upperName) {
        return Optional.ofNullable(commands.get(upperName));
    }

    /**
     * A command as a rule writes it — {@code CONFIG}, {@code config|set}, {@code CONFIG SET},
     * {@code CONFIG-SET} (RedisShake's form) — as this table names it: {@code CONFIG}, {@code CONFIG|SET}.
     * A name the table does not know is kept, upper case, so a rule may name a command of a newer Redis.
     */
    public String canonical(String rule) {
        String name = AsciiCase.upper(rule.trim());
        String[] parts = name.split("[\\s|]+");
        if (parts.length == 2) {
            return parts[0] + "|" + parts[1];
        }
        if (commands.containsKey(name)) {
            return name;
        }
        int dash = name.indexOf('-');
        if (dash > 0) {
            CommandSpec container = commands.get(name.substring(0, dash));
            if (container != null && container.subcommands().containsKey(name.substring(dash + 1))) {
                return container.name() + "|" + name.substring(dash + 1);
            }
        }
        return name;
    }

    /**
     * Every command group a rule may name: those of the table's commands, and the two a plain server's
     * table cannot show (SENTINEL's commands exist only in a sentinel, MODULE's only with a module loaded).
     */
    public Set<String> groups() {
        Set<String> groups = new TreeSet<>(List.of("SENTINEL", "MODULE"));
        commands.values().forEach(c -> {
            groups.add(Names.group(c.group()));
            c.subcommands().values().forEach(s -> groups.add(Names.group(s.group())));
        });
        return Collections.unmodifiableSet(groups);
    }

    /** A group as a rule may write it ({@code sorted-set}, {@code sorted_set}, {@code SORTED_SET}): {@code SORTED_SET}. */
    public static String canonicalGroup(String rule) {
        return Names.group(rule);
    }

    private static CommandTable load() {
        try (InputStream in = CommandTable.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the jar");
            }
            return parse(new ObjectMapper().readTree(in));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }

    /** A table from the JSON that {@code scripts/gen-command-table} writes. */
    static CommandTable parse(JsonNode root) {
        Map<String, CommandSpec> commands = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.get("commands").fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            CommandSpec spec = command(e.getKey(), e.getValue());
            commands.put(spec.name(), spec);
        }
        return new CommandTable(root.path("redis_version").asText("?"), commands);
    }

    private static CommandSpec command(String name, JsonNode c) {
        Map<String, CommandSpec> subs = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = c.path("subcommands").fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            CommandSpec sub = command(e.getKey(), e.getValue());
            subs.put(sub.name().substring(sub.name().indexOf('|') + 1), sub);
        }
        List<KeySpec> specs = new ArrayList<>();
        c.path("key_specs").forEach(k -> specs.add(keySpec(k)));
        return new CommandSpec(AsciiCase.upper(name), c.path("arity").asInt(), strings(c.path("flags")),
                strings(c.path("acl_categories")), Names.group(c.path("group").asText("unknown")), List.copyOf(specs),
                Collections.unmodifiableMap(subs));
    }

    private static KeySpec keySpec(JsonNode k) {
        JsonNode b = k.path("begin_search");
        KeySpec.Begin begin = switch (b.path("type").asText()) {
            case "index" -> new KeySpec.AtIndex(b.path("index").asInt());
            case "keyword" -> new KeySpec.AfterKeyword(b.path("keyword").asText(), b.path("startfrom").asInt());
            default -> new KeySpec.UnknownBegin();
        };
        JsonNode f = k.path("find_keys");
        KeySpec.Find find = switch (f.path("type").asText()) {
            case "range" -> new KeySpec.Range(f.path("lastkey").asInt(), f.path("keystep").asInt(), f.path("limit").asInt());
            case "keynum" -> new KeySpec.KeyNum(f.path("keynumidx").asInt(), f.path("firstkey").asInt(),
                    f.path("keystep").asInt());
            default -> new KeySpec.UnknownFind();
        };
        return new KeySpec(strings(k.path("flags")), begin, find);
    }

    private static Set<String> strings(JsonNode array) {
        Set<String> out = new LinkedHashSet<>();
        array.forEach(v -> out.add(v.asText()));
        return Collections.unmodifiableSet(out);
    }
}
