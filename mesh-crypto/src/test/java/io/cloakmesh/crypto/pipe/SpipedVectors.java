package io.cloakmesh.crypto.pipe;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

/** The known-answer vectors from the spiped protocol notes, by name ("A E_C", "B y_S", "nonce_C", ...). */
final class SpipedVectors {
    private final Map<String, byte[]> values = new HashMap<>();

    static SpipedVectors load() throws IOException {
        SpipedVectors v = new SpipedVectors();
        try (InputStream in = SpipedVectors.class.getResourceAsStream("/spiped-vectors.txt")) {
            String text = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
            for (String line : text.split("\n")) {
                int eq = line.indexOf(" = ");
                if (line.startsWith("#") || eq < 0) {
                    continue;
                }
                String name = line.substring(0, eq);
                int paren = name.indexOf(" (");
                name = (paren >= 0 ? name.substring(0, paren) : name).trim();
                String hex = line.substring(line.lastIndexOf(" = ") + 3).trim();
                v.values.put(name, HexFormat.of().parseHex(hex));
            }
        }
        return v;
    }

    byte[] get(String name) {
        byte[] value = values.get(name);
        if (value == null) {
            throw new IllegalArgumentException("no vector named " + name);
        }
        return value.clone();
    }
}
