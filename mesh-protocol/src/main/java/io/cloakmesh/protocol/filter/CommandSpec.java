package io.cloakmesh.protocol.filter;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What Redis says of one command or subcommand (COMMAND and COMMAND DOCS).
 *
 * @param name the canonical name, upper case: {@code GET}, or {@code CONFIG|SET} for a subcommand
 * @param arity N: exactly N arguments with the name(s); -N: at least N
 * @param group the COMMAND DOCS group, upper case with '_' ({@code SORTED_SET}), as RedisShake names it
 * @param subcommands by upper-case subcommand name ({@code SET} for {@code CONFIG|SET}); empty for most
 */
public record CommandSpec(String name, int arity, Set<String> flags, Set<String> aclCategories, String group,
        List<KeySpec> keySpecs, Map<String, CommandSpec> subcommands) {

    /** Whether {@code argc} arguments (the name included) fit the arity. */
    public boolean arityFits(int argc) {
        return arity >= 0 ? argc == arity : argc >= -arity;
    }
}
