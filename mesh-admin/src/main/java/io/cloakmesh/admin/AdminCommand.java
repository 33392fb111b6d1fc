package io.cloakmesh.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.concurrent.Callable;
import picocli.CommandLine.ParentCommand;

/** A subcommand that talks to the admin API: errors become one line on stderr and exit status 1. */
abstract class AdminCommand implements Callable<Integer> {
    private static final ObjectMapper PRETTY = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @ParentCommand
    Main main;

    /** Fetches and prints; the answer is printed as JSON instead when --json is given. */
    abstract void run(AdminClient client) throws AdminException;

    @Override
    public final Integer call() {
        try {
            run(main.client());
            return 0;
        } catch (AdminException e) {
            System.err.println("mesh-admin: " + e.getMessage());
            return 1;
        }
    }

    /** Prints the raw answer for --json and says whether it did. */
    boolean printedJson(JsonNode answer) throws AdminException {
        if (!main.json) {
            return false;
        }
        try {
            System.out.println(PRETTY.writeValueAsString(answer));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new AdminException("cannot print JSON: " + e.getMessage());
        }
        return true;
    }

    /** Tells people which nodes are missing from a mesh-wide answer. */
    static void warnUnanswered(JsonNode answer) {
        JsonNode missing = answer.path("unanswered");
        if (missing.size() > 0) {
            StringBuilder line = new StringBuilder("warning: no answer from");
            missing.forEach(m -> line.append(' ').append(m.asText()));
            System.err.println(line);
        }
    }
}
