package io.cloakmesh.protocol.filter;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a command's keys are, found as Redis finds them (getKeysUsingKeySpecs in db.c), with Redis's own
 * procedures for the three commands whose specs cannot say (SORT, SORT_RO, MIGRATE). Unlike Redis it
 * fails closed: a command whose keys cannot be found for sure is {@link Invalid}, and the filter
 * blocks it (Redis would refuse it too). Pure: arguments in, positions out.
 */
public final class KeyFinder {
    private KeyFinder() {
    }

    /** What was found. */
    public sealed interface Result {
    }

    /**
     * The argument positions that are keys, in spec order (a key may appear twice).
     *
     * @param readsUnnamedKeys the command may read keys it does not name (SORT with a BY pattern or GET)
     */
    public record Keys(List<Integer> positions, boolean readsUnnamedKeys) implements Result {
    }

    /** The command is malformed, or its keys cannot be known; {@code why} says which, without argument values. */
    public record Invalid(String why) implements Result {
    }

    /** The keys of {@code argv} (the name, and the subcommand for a subcommand, included) under {@code spec}. */
    public static Result find(CommandSpec spec, List<byte[]> argv) {
        int argc = argv.size();
        if (!spec.arityFits(argc)) {
            return new Invalid("wrong number of arguments for '" + spec.name().toLowerCase(java.util.Locale.ROOT)
                    + "' command");
        }
        switch (spec.name()) {
            case "SORT":
                return sort(argv, true);
            case "SORT_RO":
                return sort(argv, false);
            case "MIGRATE":
                return migrate(argv);
            default:
                break;
        }
        List<Integer> positions = new ArrayList<>();
        for (KeySpec ks : spec.keySpecs()) {
            if (ks.notKey()) {
                continue;
            }
            if (ks.incomplete()) {
                return new Invalid("the keys of " + spec.name() + " cannot be known from its arguments");
            }
            int first;
            if (ks.begin() instanceof KeySpec.AtIndex at) {
                first = at.index();
            } else {
                KeySpec.AfterKeyword kw = (KeySpec.AfterKeyword) ks.begin();
                first = afterKeyword(argv, kw);
                if (first < 0) {
                    continue;  // the keyword is optional and absent: this spec has no keys
                }
            }
            int last;
            int step;
            if (ks.find() instanceof KeySpec.Range range) {
                if (range.lastKey() >= 0) {
                    last = first + range.lastKey();
                } else if (range.limit() <= 1) {
                    last = argc + range.lastKey();
                } else {
                    last = first + (argc - first) / range.limit() + range.lastKey();
                }
                step = range.keyStep();
            } else {
                KeySpec.KeyNum keyNum = (KeySpec.KeyNum) ks.find();
                int countAt = first + keyNum.keyNumIndex();
                if (countAt >= argc) {
                    return new Invalid("no key count where " + spec.name() + " needs one");
                }
                long count = parseCount(argv.get(countAt));
                if (count < 0) {
                    return new Invalid("the key count of " + spec.name() + " is not a number of 0 or more");
                }
                first += keyNum.firstKey();
                if (count > argc) {
                    return new Invalid("the key count of " + spec.name() + " is larger than its arguments");
                }
                last = first + (int) count - 1;
                step = keyNum.keyStep();
            }
            if (last < first) {
                continue;  // no keys: EVAL script 0
            }
            if (first >= argc || last >= argc || step < 1) {
                return new Invalid("the arguments of " + spec.name() + " end before its keys do");
            }
            for (int i = first; i <= last; i += step) {
                positions.add(i);
            }
        }
        return new Keys(List.copyOf(positions), false);
    }

    /**
     * The index right after {@code kw.keyword()}, searched as Redis does: up from startFrom, stopping
     * before the last argument; or, for a negative startFrom, down from argc + startFrom, stopping
     * before index 1. -1 when absent.
     */
    private static int afterKeyword(List<byte[]> argv, KeySpec.AfterKeyword kw) {
        int argc = argv.size();
        if (kw.startFrom() > 0) {
            for (int i = kw.startFrom(); i < argc - 1; i++) {
                if (is(argv.get(i), kw.keyword())) {
                    return i + 1;
                }
            }
        } else {
            for (int i = argc + kw.startFrom(); i > 0 && i < argc; i--) {
                if (is(argv.get(i), kw.keyword())) {
                    return i + 1;
                }
            }
        }
        return -1;
    }

    /**
     * SORT's key, and the last STORE target (Redis's sortGetKeys): LIMIT skips two arguments, GET and BY
     * one. A BY pattern with '*' or any GET reads keys the command does not name.
     */
    private static Result sort(List<byte[]> argv, boolean mayStore) {
        List<Integer> positions = new ArrayList<>(List.of(1));
        int store = -1;
        boolean unnamed = false;
        for (int i = 2; i < argv.size(); i++) {
            byte[] arg = argv.get(i);
            if (is(arg, "LIMIT")) {
                i += 2;
            } else if (is(arg, "GET")) {
                unnamed = true;
                i += 1;
            } else if (is(arg, "BY")) {
                if (i + 1 < argv.size() && contains(argv.get(i + 1), (byte) '*')) {
                    unnamed = true;
                }
                i += 1;
            } else if (mayStore && is(arg, "STORE") && i + 1 < argv.size()) {
                store = i + 1;
                i += 1;
            }
        }
        if (store > 0) {
            positions.add(store);
        }
        return new Keys(List.copyOf(positions), unnamed);
    }

    /** MIGRATE's key at 3, or the keys after KEYS (Redis's migrateGetKeys), skipping AUTH and AUTH2 arguments. */
    private static Result migrate(List<byte[]> argv) {
        int argc = argv.size();
        for (int i = 6; i < argc; i++) {
            if (is(argv.get(i), "AUTH")) {
                i += 1;
            } else if (is(argv.get(i), "AUTH2")) {
                i += 2;
            } else if (is(argv.get(i), "KEYS")) {
                if (argv.get(3).length > 0) {
                    return new Invalid("MIGRATE with KEYS needs an empty key argument");
                }
                List<Integer> positions = new ArrayList<>();
                for (int k = i + 1; k < argc; k++) {
                    positions.add(k);
                }
                return new Keys(List.copyOf(positions), false);
            }
        }
        return new Keys(List.of(3), false);
    }

    /** ASCII case-insensitive comparison with an upper-case word, as Redis's strcasecmp. */
    static boolean is(byte[] arg, String upperWord) {
        if (arg.length != upperWord.length()) {
            return false;
        }
        for (int i = 0; i < arg.length; i++) {
            int c = arg[i];
            if (c >= 'a' && c <= 'z') {
                c -= 32;
            }
            if (c != upperWord.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static boolean contains(byte[] arg, byte b) {
        for (byte x : arg) {
            if (x == b) {
                return true;
            }
        }
        return false;
    }

    /** A strict decimal (Redis's string2ll): an optional '-', digits, no spaces; -1 when not a count. */
    private static long parseCount(byte[] text) {
        String s = new String(text, StandardCharsets.ISO_8859_1);
        if (!s.matches("-?(0|[1-9][0-9]{0,18})")) {
            return -1;
        }
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
