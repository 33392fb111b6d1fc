package io.cloakmesh.node.config;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.cloakmesh.protocol.filter.CommandTable;
import io.cloakmesh.protocol.filter.FilterRules;
import io.cloakmesh.protocol.filter.KeyRules;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;

/**
 * An export's {@code filter { ... }} block: RedisShake's rules by RedisShake's own names
 * ({@code allow_key_prefix}, {@code block_command_group}, ...), how strictly the rest is judged
 * ({@code mode}, {@code inline}), a backend's {@code rename-command}s and the longest command read.
 * Every rule is checked when read: a regex that does not compile, a db that is not a number or a group
 * Redis does not have is refused naming its setting and index. Kept as written, so a reload can tell an
 * unchanged block.
 */
public record FilterSettings(String mode, String inline, Map<String, List<String>> lists, Map<String, String> renames,
        int maxCommandBytes) {

    /** The rule lists, by RedisShake's names. */
    public static final List<String> LISTS = List.of("allow_keys", "block_keys", "allow_key_prefix", "block_key_prefix",
            "allow_key_suffix", "block_key_suffix", "allow_key_regex", "block_key_regex", "allow_db", "block_db",
            "allow_command", "block_command", "allow_command_group", "block_command_group");
    static final List<String> KEYS;

    static {
        List<String> keys = new ArrayList<>(LISTS);
        keys.addAll(List.of("mode", "inline", "rename-command", "max-command-bytes"));
        KEYS = List.copyOf(keys);
    }


    /** The {@code filter} block of {@code export} over {@code defaults} (filter-defaults in reference.conf). */
    public static FilterSettings read(Settings export, Settings defaults) throws InvalidSettingException {
        Settings own = export.at("filter");
        own.onlyKeys(KEYS);
        Settings f = own.over(defaults);
        String mode = f.required("mode").toLowerCase(Locale.ROOT);
        if (!mode.equals("strict") && !mode.equals("compat")) {
            throw new InvalidSettingException(f.full("mode"), "\"" + mode + "\" is not strict or compat");
        }
        String inline = f.required("inline").toLowerCase(Locale.ROOT);
        if (!inline.equals("allow") && !inline.equals("deny")) {
            throw new InvalidSettingException(f.full("inline"), "\"" + inline + "\" is not allow or deny");
        }
        Map<String, List<String>> lists = new LinkedHashMap<>();
        for (String list : LISTS) {
            lists.put(list, f.strings(list));
        }
        FilterSettings settings = new FilterSettings(mode, inline, lists, f.stringMap("rename-command"),
                (int) f.bytes("max-command-bytes", 1024, 512L * 1024 * 1024));
        settings.check(f);
        return settings;
    }

    /**
     * A rule set on its own, as {@code mesh-admin filter SERVICE set FILE} sends it: the keys of a
     * {@code filter} block (optionally inside one), over reference.conf's filter-defaults. Refused whole
     * when anything in it is wrong, naming the line.
     */
    public static FilterSettings parse(String text) throws InvalidSettingException {
        Config config;
        try {
            config = ConfigFactory.parseString(text, ConfigParseOptions.defaults().setOriginDescription("rules")
                    .setSyntax(ConfigSyntax.CONF));
        } catch (ConfigException e) {
            throw new InvalidSettingException("rules", e.getMessage().replaceFirst("^rules: ", "line "));
        }
        if (config.root().size() == 1 && config.hasPath("filter")
                && config.getValue("filter").valueType() == ConfigValueType.OBJECT) {
            config = config.getConfig("filter");
        }
        Settings defaults = new Settings(ConfigFactory.defaultReference().resolve(), "").at("cloakmesh.filter-defaults");
        try {
            return read(new Settings(config.atKey("filter"), ""), defaults);
        } catch (InvalidSettingException e) {
            throw new InvalidSettingException("line " + lineOf(config, e.path().substring("filter.".length())) + ": "
                    + e.path().substring("filter.".length()), e.getMessage().substring(e.path().length() + 2));
        }
    }

    /** The line a setting such as {@code allow_key_regex[2]} was written on, or "?" when it was not. */
    private static String lineOf(Config config, String setting) {
        Matcher m = java.util.regex.Pattern.compile("([^\\[]+)(?:\\[(\\d+)])?").matcher(setting);
        if (!m.matches() || !config.hasPath(m.group(1))) {
            return "?";
        }
        ConfigValue value = config.getValue(m.group(1));
        if (m.group(2) != null && value instanceof ConfigList list && Integer.parseInt(m.group(2)) < list.size()) {
            value = list.get(Integer.parseInt(m.group(2)));
        }
        return value.origin().lineNumber() < 0 ? "?" : Integer.toString(value.origin().lineNumber());
    }

    /** The rules these settings say, for the filter stage. */
    public FilterRules rules(CommandTable table) {
        Map<String, String> renamed = new LinkedHashMap<>();
        renames.forEach((typed, own) -> renamed.put(table.canonical(typed), table.canonical(own)));
        return new FilterRules(mode.equals("strict") ? FilterRules.Mode.STRICT : FilterRules.Mode.COMPAT,
                inline.equals("allow"), keyRules(), dbs("allow_db"), dbs("block_db"), names("allow_command", table::canonical),
                names("block_command", table::canonical), names("allow_command_group", CommandTable::canonicalGroup),
                names("block_command_group", CommandTable::canonicalGroup), renamed);
    }

    private void check(Settings f) throws InvalidSettingException {
        for (String list : List.of("allow_key_regex", "block_key_regex")) {
            for (int i = 0; i < lists.get(list).size(); i++) {
                try {
                    regex(lists.get(list).get(i));
                } catch (PatternSyntaxException e) {
                    throw new InvalidSettingException(f.full(list) + "[" + i + "]", "not an RE2 regex: " + e.getDescription());
                }
            }
        }
        for (String list : List.of("allow_db", "block_db")) {
            for (int i = 0; i < lists.get(list).size(); i++) {
                if (!lists.get(list).get(i).matches("[0-9]{1,9}")) {
                    throw new InvalidSettingException(f.full(list) + "[" + i + "]", "\"" + lists.get(list).get(i)
                            + "\" is not a db number");
                }
            }
        }
        for (String list : List.of("allow_command_group", "block_command_group")) {
            for (int i = 0; i < lists.get(list).size(); i++) {
                Set<String> groups = CommandTable.bundled().groups();
                if (!groups.contains(CommandTable.canonicalGroup(lists.get(list).get(i)))) {
                    throw new InvalidSettingException(f.full(list) + "[" + i + "]", "\"" + lists.get(list).get(i)
                            + "\" is not a command group (known: " + String.join(", ", groups) + ")");
                }
            }
        }
        for (String list : List.of("allow_command", "block_command")) {
            for (int i = 0; i < lists.get(list).size(); i++) {
                if (!lists.get(list).get(i).matches("[A-Za-z0-9_.|: -]{1,64}")) {
                    throw new InvalidSettingException(f.full(list) + "[" + i + "]", "not a command name");
                }
            }
        }
    }

    private KeyRules keyRules() {
        return new KeyRules(bytes("allow_keys"), bytes("block_keys"), bytes("allow_key_prefix"), bytes("block_key_prefix"),
                bytes("allow_key_suffix"), bytes("block_key_suffix"), regexes("allow_key_regex"), regexes("block_key_regex"));
    }

    private List<byte[]> bytes(String list) {
        return lists.get(list).stream().map(s -> s.getBytes(StandardCharsets.UTF_8)).toList();
    }

    private List<Pattern> regexes(String list) {
        return lists.get(list).stream().filter(r -> !r.isEmpty()).map(FilterSettings::regex).toList();
    }

    /** RE2, unanchored; RedisShake's "allow everything" spellings ({@code *}, {@code .*}, {@code ^.*$}) kept working. */
    private static Pattern regex(String text) {
        return Pattern.compile(text.equals("*") ? ".*" : text);
    }

    private Set<Long> dbs(String list) {
        Set<Long> out = new LinkedHashSet<>();
        lists.get(list).forEach(d -> out.add(Long.parseLong(d)));
        return out;
    }

    private Set<String> names(String list, Function<String, String> canonical) {
        Set<String> out = new LinkedHashSet<>();
        lists.get(list).forEach(n -> out.add(canonical.apply(n)));
        return out;
    }
}
