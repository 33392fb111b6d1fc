package io.cloakmesh.admin;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** The subcommands that act on one node, named as in its configuration (node.name). */
final class NodeCommands {
    private NodeCommands() {
    }

    static String nodePath(String node, String action) {
        return "v1/nodes/" + URLEncoder.encode(node, StandardCharsets.UTF_8) + "/" + action;
    }

    /** Drain or undrain: one request to the named node, one line back. */
    abstract static class DrainCommand extends AdminCommand {
        @Parameters(paramLabel = "NODE", description = "The node's name.")
        String node;

        abstract boolean draining();

        @Override
        final void run(AdminClient client) throws AdminException {
            JsonNode report = client.send(draining() ? "POST" : "DELETE", nodePath(node, "drain"));
            if (!printedJson(report)) {
                System.out.println("node " + report.path("name").asText() + " is " + (draining() ? "draining" : "active"));
            }
        }
    }

    @Command(name = "drain", description = {"Mark NODE draining: it takes no new links, open ones finish.",
        "Entries stop choosing it within a gossip round."})
    static final class Drain extends DrainCommand {
        @Override
        boolean draining() {
            return true;
        }
    }

    @Command(name = "undrain", description = "Make a draining NODE take new links again.")
    static final class Undrain extends DrainCommand {
        @Override
        boolean draining() {
            return false;
        }
    }

    @Command(name = "reload", description = {"Make NODE read its configuration file again and apply its exports and imports.",
        "Connections of services that did not change are untouched; other changed settings need a restart."})
    static final class Reload extends AdminCommand {
        @Parameters(paramLabel = "NODE", description = "The node's name.")
        String node;

        @Override
        void run(AdminClient client) throws AdminException {
            JsonNode reply = client.send("POST", nodePath(node, "reload"));
            boolean printed = printedJson(reply);
            if (!reply.path("ok").asBoolean()) {
                throw new AdminException("node " + node + " refused the reload: " + reply.path("message").asText());
            }
            if (printed) {
                return;
            }
            JsonNode r = reply.path("result");
            Table t = new Table("CHANGE", "SERVICES");
            for (String field : new String[] {"importsAdded", "importsRemoved", "importsChanged", "exportsAdded",
                "exportsRemoved", "exportsChanged", "linkChanged"}) {
                if (r.path(field).size() > 0) {
                    StringBuilder names = new StringBuilder();
                    r.path(field).forEach(n -> names.append(names.length() == 0 ? "" : ", ").append(n.asText()));
                    t.row(field.replaceAll("([A-Z])", " $1").toLowerCase(), names);
                }
            }
            System.out.println("node " + node + " reloaded" + (t.isEmpty() ? ": nothing changed" : ":"));
            if (!t.isEmpty()) {
                t.print(System.out);
            }
        }
    }
}
