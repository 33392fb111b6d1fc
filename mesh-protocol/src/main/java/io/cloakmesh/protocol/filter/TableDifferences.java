package io.cloakmesh.protocol.filter;

import io.cloakmesh.protocol.resp.AsciiCase;
import io.cloakmesh.protocol.resp.RespValue;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Where a server's own command table (its COMMAND reply) and the filter's bundled one disagree, by
 * command and subcommand name: what only the server has (strict mode denies it: the filter cannot find
 * its keys), what only the table has (an older server, or a command renamed or disabled there), and
 * what both have with another arity (keys may be found where the server does not look). Pure: a reply
 * in, names out.
 *
 * @param onlyOnServer commands and subcommands ({@code CONFIG|GET}) the server has and the table lacks
 * @param onlyInTable the table's commands the server lacks
 * @param arityDiffers commands both have, with different arities
 */
public record TableDifferences(Set<String> onlyOnServer, Set<String> onlyInTable, Set<String> arityDiffers) {

    /** A COMMAND reply that is not a list of command entries. */
    public static final class MalformedReplyException extends Exception {
        private static final long serialVersionUID = 1L;

        MalformedReplyException(String message) {
            super(message);
        }
    }

    /**
     * Compares {@code commandReply} (the server's COMMAND) with {@code table}. COMMAND names a command
     * renamed by rename-command by its own name, so a rename cannot be seen here (the filter's own
     * rename-command must list it); a command disabled by renaming it to "" is missing from the reply.
     */
    public static TableDifferences of(CommandTable table, RespValue commandReply) throws MalformedReplyException {
        Set<String> onlyOnServer = new TreeSet<>();
        Set<String> arityDiffers = new TreeSet<>();
        Set<String> seen = new TreeSet<>();
        for (RespValue entry : elements(commandReply, "COMMAND")) {
            List<RespValue> fields = elements(entry, "a command entry");
            String own = AsciiCase.upper(name(fields));
            seen.add(own);
            Optional<CommandSpec> spec = table.command(own);
            if (spec.isEmpty()) {
                onlyOnServer.add(own);
                continue;
            }
            compare(spec.get(), fields, own, arityDiffers);
            if (fields.size() > 9) {
                for (RespValue sub : elements(fields.get(9), "subcommands")) {
                    List<RespValue> subFields = elements(sub, "a subcommand entry");
                    String subName = AsciiCase.upper(name(subFields));
                    String part = subName.substring(subName.indexOf('|') + 1);
                    CommandSpec subSpec = spec.get().subcommands().get(part);
                    if (subSpec == null) {
                        onlyOnServer.add(own + "|" + part);
                    } else {
                        compare(subSpec, subFields, own + "|" + part, arityDiffers);
                    }
                }
            }
        }
        Set<String> onlyInTable = new TreeSet<>(table.commands().keySet());
        onlyInTable.removeAll(seen);
        return new TableDifferences(onlyOnServer, onlyInTable, arityDiffers);
    }

    public boolean none() {
        return onlyOnServer.isEmpty() && onlyInTable.isEmpty() && arityDiffers.isEmpty();
    }

    /** One line naming the differences, at most {@code max} names of each kind. */
    public String describe(int max) {
        List<String> parts = new ArrayList<>();
        part(parts, onlyOnServer, max, "the server has, the table lacks (strict mode denies them)");
        part(parts, onlyInTable, max, "the table has, the server lacks (older, renamed or disabled there)");
        part(parts, arityDiffers, max, "with another arity on the server");
        return String.join("; ", parts);
    }

    private static void part(List<String> parts, Set<String> names, int max, String what) {
        if (!names.isEmpty()) {
            List<String> shown = names.stream().limit(max).toList();
            parts.add(names.size() + " " + what + ": " + String.join(", ", shown)
                    + (names.size() > max ? ", ..." : ""));
        }
    }

    private static void compare(CommandSpec spec, List<RespValue> fields, String name, Set<String> arityDiffers) throws MalformedReplyException {
        if (fields.size() < 2 || !(fields.get(1) instanceof RespValue.Int arity)) {
            throw new MalformedReplyException("the entry of " + name + " has no arity");
        }
        if (arity.value() != spec.arity()) {
            arityDiffers.add(name);
        }
    }

    private static String name(List<RespValue> fields) throws MalformedReplyException {
        if (!fields.isEmpty() && fields.get(0) instanceof RespValue.Bulk bulk && !bulk.error()) {
            return new String(bulk.bytes(), StandardCharsets.UTF_8);
        }
        if (!fields.isEmpty() && fields.get(0) instanceof RespValue.Simple simple) {
            return simple.text();
        }
        throw new MalformedReplyException("a command entry without a name");
    }

    private static List<RespValue> elements(RespValue value, String what) throws MalformedReplyException {
        if (value instanceof RespValue.Aggregate aggregate) {
            return aggregate.elements();
        }
        throw new MalformedReplyException(what + " is not an array");
    }
}
