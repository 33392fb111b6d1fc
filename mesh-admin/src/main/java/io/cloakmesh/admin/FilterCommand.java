package io.cloakmesh.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code filter SERVICE [show | set FILE | test COMMAND ARGS...]}: the command filter of an export, on
 * every node that exports it. {@code show} prints the rule set as a file {@code set} takes back.
 */
@Command(name = "filter", description = {"An export's command filter, on every node that exports SERVICE:",
    "  show          the rules in force (a rules file set takes back) and the verdicts so far",
    "  set FILE      put the rules of FILE (a filter block's settings; - reads stdin) in force, from each",
    "                connection's next command; a file with any mistake is refused whole, naming the line",
    "  test CMD ...  the verdict and the rule on CMD ARGS..., sent to no Redis (--db N: run in db N)"})
final class FilterCommand extends AdminCommand {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--db", paramLabel = "N", description = "For test: the db the command runs in (default 0).")
    long db;

    @Parameters(index = "0", paramLabel = "SERVICE", description = "The exported service.")
    String service;

    @Parameters(index = "1", paramLabel = "ACTION", defaultValue = "show", description = "show, set or test.")
    String action;

    @Parameters(index = "2..*", paramLabel = "ARG", description = "set: FILE; test: COMMAND ARGS...")
    List<String> args = new ArrayList<>();

    @Override
    void run(AdminClient client) throws AdminException {
        String path = "v1/filters/" + URLEncoder.encode(service, StandardCharsets.UTF_8);
        switch (action) {
            case "show" -> {
                expectArgs(0, "show takes no arguments");
                JsonNode answer = client.get(path);
                if (!printedJson(answer)) {
                    show(answer);
                }
            }
            case "set" -> {
                expectArgs(1, "set takes one FILE (- for stdin)");
                JsonNode answer = client.send("PUT", path, read(args.get(0)));
                report(answer, "rules in force");
            }
            case "test" -> {
                if (args.isEmpty()) {
                    throw new AdminException("test needs a COMMAND and its ARGS");
                }
                ObjectNode request = JSON.createObjectNode().put("db", db);
                args.forEach(request.putArray("command")::add);
                JsonNode answer = client.send("POST", path + "/test", request.toString());
                report(answer, null);
            }
            default -> throw new AdminException("unknown action \"" + action + "\": show, set or test");
        }
    }

    private void expectArgs(int count, String usage) throws AdminException {
        if (args.size() != count) {
            throw new AdminException(usage);
        }
    }

    private static String read(String file) throws AdminException {
        try {
            return file.equals("-") ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8)
                    : Files.readString(Path.of(file));
        } catch (IOException e) {
            throw new AdminException("cannot read " + file + ": " + e.getMessage());
        }
    }

    /** One line per node: the verdict of a test, or what became of a set; exit 1 if any node refused. */
    private void report(JsonNode answer, String done) throws AdminException {
        if (printedJson(answer)) {
            return;
        }
        List<String> refused = new ArrayList<>();
        for (JsonNode n : answer.path("nodes")) {
            String who = n.path("node").asText() + " (" + n.path("datacenter").asText() + ")";
            if (!n.path("ok").asBoolean()) {
                refused.add(who + ": " + n.path("message").asText());
            } else if (done != null) {
                System.out.println(who + ": " + done);
            } else {
                String verdict = n.path("verdict").asText();
                System.out.println(who + ": " + (verdict.equals("allowed") ? "allowed" : "refused by rule " + verdict));
            }
        }
        warnUnanswered(answer);
        if (!refused.isEmpty()) {
            throw new AdminException(String.join("\n", refused));
        }
    }

    /** Each distinct rule set once, as a rules file, under a comment naming its nodes; then the verdicts. */
    private static void show(JsonNode answer) {
        Map<String, List<String>> nodesByRules = new java.util.LinkedHashMap<>();
        List<String> verdicts = new ArrayList<>();
        for (JsonNode n : answer.path("nodes")) {
            String who = n.path("node").asText() + " (" + n.path("datacenter").asText() + ")";
            if (!n.path("state").asText().equals("filtered")) {
                System.out.println("# " + who + ": " + n.path("message").asText());
                continue;
            }
            nodesByRules.computeIfAbsent(rulesFile(n.path("rules")), r -> new ArrayList<>())
                    .add(who + ", from " + n.path("source").asText());
            StringBuilder counts = new StringBuilder();
            n.path("verdicts").fields().forEachRemaining(f -> counts.append(counts.length() == 0 ? "" : ", ")
                    .append(f.getKey()).append(' ').append(f.getValue().asLong()));
            verdicts.add("#   " + who + ": " + (counts.length() == 0 ? "none yet" : counts));
        }
        nodesByRules.forEach((rules, nodes) -> {
            System.out.println("# rules of " + answer.path("service").asText() + " on " + String.join("; ", nodes));
            System.out.print(rules);
        });
        if (!verdicts.isEmpty()) {
            System.out.println("# verdicts:");
            verdicts.forEach(System.out::println);
        }
        warnUnanswered(answer);
    }

    /** The settings as a filter block's keys, leaving out empty lists. */
    private static String rulesFile(JsonNode rules) {
        StringBuilder out = new StringBuilder();
        out.append("mode = ").append(rules.path("mode").asText()).append('\n');
        out.append("inline = ").append(rules.path("inline").asText()).append('\n');
        out.append("max-command-bytes = ").append(rules.path("maxCommandBytes").asLong()).append('\n');
        rules.path("lists").fields().forEachRemaining(list -> {
            if (list.getValue().size() > 0) {
                out.append(list.getKey()).append(" = ").append(list.getValue()).append('\n');
            }
        });
        if (rules.path("renames").size() > 0) {
            out.append("rename-command = ").append(rules.path("renames")).append('\n');
        }
        return out.toString();
    }
}
