package io.cloakmesh.protocol.filter;

import java.util.Set;

/**
 * One Redis 7 key specification: where a command's keys begin ({@link Begin}) and how many follow
 * ({@link Find}), as COMMAND reports it.
 *
 * @param flags RW/RO/OW/RM, access/insert/update/delete, not_key, incomplete, variable_flags
 * @param notKey channels of sharded pub/sub: routed like keys, but not keys
 * @param incomplete the spec may miss keys
 */
public record KeySpec(Set<String> flags, Begin begin, Find find, boolean notKey, boolean incomplete) {
    /** A spec as COMMAND reports it; what its flags say is read once, not for every command judged. */
    public KeySpec(Set<String> flags, Begin begin, Find find) {
        this(flags, begin, find, flags.contains("not_key"),
                flags.contains("incomplete") || begin instanceof UnknownBegin || find instanceof UnknownFind);
    }

    /** Where the keys begin. */
    public sealed interface Begin {
    }

    /** At a fixed argument index. */
    public record AtIndex(int index) implements Begin {
    }

    /**
     * Right after {@code keyword}, searched from {@code startFrom} up (or, when negative, from
     * argc + startFrom down).
     */
    public record AfterKeyword(String keyword, int startFrom) implements Begin {
    }

    /** The spec cannot say: the command needs its own procedure. */
    public record UnknownBegin() implements Begin {
    }

    /** How many keys follow the beginning. */
    public sealed interface Find {
    }

    /**
     * Up to {@code lastKey} (relative to the beginning; negative: from the end), every {@code keyStep};
     * with {@code limit} > 1 and lastKey -1, only the first 1/limit of the remaining arguments.
     */
    public record Range(int lastKey, int keyStep, int limit) implements Find {
    }

    /** A count at {@code keyNumIndex}, then that many keys from {@code firstKey}, every {@code keyStep}. */
    public record KeyNum(int keyNumIndex, int firstKey, int keyStep) implements Find {
    }

    /** The spec cannot say. */
    public record UnknownFind() implements Find {
    }

}
