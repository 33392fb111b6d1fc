package io.cloakmesh.node.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/** Finds the kind a service block names, and the keys such a block may have. */
final class KindKeys {
    private KindKeys() {
    }

    /** The kind {@code block} names (its default from reference.conf when it names none). */
    static KindReader kindOf(Settings block, KindCatalog kinds) throws InvalidSettingException {
        String kind = block.required("kind");
        return kinds.reader(kind).orElseThrow(() -> new InvalidSettingException(block.full("kind"), "\"" + kind
                + "\" is not supported (supported: " + String.join(", ", kinds.readers().stream().map(KindReader::name).toList())
                + ")"));
    }

    /** Every key a block of any kind may have: what a defaults block may set. */
    static List<String> all(List<String> common, KindCatalog kinds, Function<KindReader, List<String>> own) {
        List<String> all = new ArrayList<>(common);
        kinds.readers().forEach(kind -> own.apply(kind).stream().filter(key -> !all.contains(key)).forEach(all::add));
        return all;
    }

    /**
     * The keys a block of {@code kind} may have: {@code common} and the kind's own; a key only other
     * kinds use is refused with their names, which says more than "unknown".
     */
    static Settings.KnownKeys known(List<String> common, KindReader kind, KindCatalog kinds,
            Function<KindReader, List<String>> own) {
        List<String> known = new ArrayList<>(common);
        known.addAll(own.apply(kind));
        Map<String, List<String>> elsewhere = new LinkedHashMap<>();
        for (KindReader other : kinds.readers()) {
            own.apply(other).stream().filter(key -> !known.contains(key))
                    .forEach(key -> elsewhere.computeIfAbsent(key, k -> new ArrayList<>()).add(other.name()));
        }
        return new Settings.KnownKeys(known, key -> elsewhere.containsKey(key)
                ? Optional.of("not used by kind " + kind.name() + " (only for kind " + String.join(", ", elsewhere.get(key)) + ")")
                : Optional.empty());
    }
}
