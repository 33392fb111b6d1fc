package io.cloakmesh.protocol.filter;

import com.google.re2j.Pattern;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * RedisShake's key rules: exact keys, prefixes, suffixes and RE2 regexes (unanchored), each as an allow
 * and a block list. Keys are bytes, never decoded; a block match wins; an allow category that is not set
 * does not count, and a key must match one of those that are set. Pure.
 */
public record KeyRules(List<byte[]> allowKeys, List<byte[]> blockKeys, List<byte[]> allowPrefixes,
        List<byte[]> blockPrefixes, List<byte[]> allowSuffixes, List<byte[]> blockSuffixes, List<Pattern> allowRegexes,
        List<Pattern> blockRegexes) {

    public static final KeyRules NONE = new KeyRules(List.of(), List.of(), List.of(), List.of(), List.of(), List.of(),
            List.of(), List.of());

    /** Whether any key rule is set: strict mode then guards what could touch keys unnamed. */
    public boolean any() {
        return !allowKeys.isEmpty() || !blockKeys.isEmpty() || !allowPrefixes.isEmpty() || !blockPrefixes.isEmpty()
                || !allowSuffixes.isEmpty() || !blockSuffixes.isEmpty() || !allowRegexes.isEmpty() || !blockRegexes.isEmpty();
    }

    public boolean allowListed() {
        return !allowKeys.isEmpty() || !allowPrefixes.isEmpty() || !allowSuffixes.isEmpty() || !allowRegexes.isEmpty();
    }

    /** The rule that refuses {@code key}, if one does: a block rule by its setting and index, or the allow lists. */
    public Optional<String> refusal(byte[] key) {
        for (int i = 0; i < blockKeys.size(); i++) {
            if (Arrays.equals(key, blockKeys.get(i))) {
                return Optional.of("block_keys[" + i + "]");
            }
        }
        for (int i = 0; i < blockPrefixes.size(); i++) {
            if (startsWith(key, blockPrefixes.get(i))) {
                return Optional.of("block_key_prefix[" + i + "]");
            }
        }
        for (int i = 0; i < blockSuffixes.size(); i++) {
            if (endsWith(key, blockSuffixes.get(i))) {
                return Optional.of("block_key_suffix[" + i + "]");
            }
        }
        for (int i = 0; i < blockRegexes.size(); i++) {
            if (blockRegexes.get(i).matcher(key).find()) {
                return Optional.of("block_key_regex[" + i + "]");
            }
        }
        if (!allowListed() || allowed(key)) {
            return Optional.empty();
        }
        return Optional.of("allow_keys, allow_key_prefix, allow_key_suffix, allow_key_regex (no match)");
    }

    // Loops, not streams: this runs for every key of every command.
    private boolean allowed(byte[] key) {
        for (byte[] k : allowKeys) {
            if (Arrays.equals(key, k)) {
                return true;
            }
        }
        for (byte[] p : allowPrefixes) {
            if (startsWith(key, p)) {
                return true;
            }
        }
        for (byte[] s : allowSuffixes) {
            if (endsWith(key, s)) {
                return true;
            }
        }
        for (Pattern r : allowRegexes) {
            if (r.matcher(key).find()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether every key that starts with {@code prefix} is allowed for sure: it extends an allowed prefix
     * and no block rule of any kind is set that could match a longer key. For CLIENT TRACKING BCAST.
     */
    public boolean coversPrefix(byte[] prefix) {
        boolean anyBlock = !blockKeys.isEmpty() || !blockPrefixes.isEmpty() || !blockSuffixes.isEmpty()
                || !blockRegexes.isEmpty();
        if (anyBlock && blockPrefixes.stream().anyMatch(b -> startsWith(prefix, b) || startsWith(b, prefix))) {
            return false;
        }
        boolean onlyPrefixRules = blockKeys.isEmpty() && blockSuffixes.isEmpty() && blockRegexes.isEmpty();
        return onlyPrefixRules && !allowPrefixes.isEmpty() && allowPrefixes.stream().anyMatch(a -> startsWith(prefix, a));
    }

    static boolean startsWith(byte[] key, byte[] prefix) {
        return key.length >= prefix.length && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
    }

    private static boolean endsWith(byte[] key, byte[] suffix) {
        return key.length >= suffix.length
                && Arrays.equals(key, key.length - suffix.length, key.length, suffix, 0, suffix.length);
    }
}
