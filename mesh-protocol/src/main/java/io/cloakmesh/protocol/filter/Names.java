package io.cloakmesh.protocol.filter;

import io.cloakmesh.protocol.resp.AsciiCase;

/** How group names are compared: ASCII case folding only, as Redis does ({@link AsciiCase}), and - or _ alike. */
final class Names {
    private Names() {
    }

    /** A group as COMMAND DOCS ({@code sorted-set}), the JSON source ({@code sorted_set}) or RedisShake writes it. */
    static String group(String name) {
        return AsciiCase.upper(name.trim()).replace('-', '_').replace(' ', '_');
    }
}
