package io.cloakmesh.protocol.filter;

import java.util.Map;
import java.util.Set;

/**
 * One export's filter, with RedisShake's rule names: key rules, dbs, commands and command groups, each
 * an allow and a block list, and how strictly the rest is judged.
 *
 * @param commands canonical names ({@link CommandTable#canonical}): {@code CONFIG} means every CONFIG
 *        subcommand, {@code CONFIG|SET} one
 * @param groups upper case with '_' ({@code SORTED_SET})
 * @param renames a backend's {@code rename-command}s: the name clients type, upper case, to the command's own
 */
public record FilterRules(Mode mode, boolean inlineAllowed, KeyRules keys, Set<Long> allowDb, Set<Long> blockDb,
        Set<String> allowCommand, Set<String> blockCommand, Set<String> allowGroup, Set<String> blockGroup,
        Map<String, String> renames) {

    /** How commands the rules do not name are judged. */
    public enum Mode {
        /** Every bypass closed: unknown, script, keyless data and cross-db commands judged as docs/security.md says. */
        STRICT,
        /** RedisShake's verdicts, with keys found as Redis finds them. */
        COMPAT
    }

    /** Passes everything (an export without a filter block never builds one, but tests do). */
    public static final FilterRules NONE = new FilterRules(Mode.COMPAT, true, KeyRules.NONE, Set.of(), Set.of(), Set.of(),
            Set.of(), Set.of(), Set.of(), Map.of());
}
