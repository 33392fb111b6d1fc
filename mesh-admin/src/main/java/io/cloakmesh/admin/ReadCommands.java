package io.cloakmesh.admin;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The subcommands that read the mesh's state; each prints one table (or the JSON with --json). */
final class ReadCommands {
    private ReadCommands() {
    }

    /** Fetches one mesh-wide answer and prints it as a table, or as JSON with --json. */
    abstract static class ReadCommand extends AdminCommand {
        abstract String path();

        abstract Table table(JsonNode answer);

        @Override
        final void run(AdminClient client) throws AdminException {
            JsonNode answer = client.get(path());
            if (printedJson(answer)) {
                return;
            }
            table(answer).print(System.out);
            warnUnanswered(answer);
        }
    }

    @Command(name = "status", description = "The mesh at a glance, as the asked node sees it.")
    static final class Status extends ReadCommand {
        @Override
        String path() {
            return "v1/status";
        }

        @Override
        Table table(JsonNode answer) {
            StringBuilder members = new StringBuilder();
            answer.path("members").fields().forEachRemaining(e -> members.append(members.length() == 0 ? "" : ", ")
                    .append(e.getValue().asInt()).append(' ').append(e.getKey()));
            Table t = new Table("FIELD", "VALUE")
                    .row("asked node", answer.path("node").asText() + " (" + answer.path("datacenter").asText() + ")")
                    .row("members", members)
                    .row("services", answer.path("services").asInt())
                    .row("client connections", answer.path("connections").asInt());
            if (answer.path("unreachableDatacenters").size() > 0) {
                t.row("unreachable datacenters", answer.path("unreachableDatacenters").toString());
            }
            return t;
        }
    }

    @Command(name = "members", description = "Cluster members: node, address, datacenter, status, reachability.")
    static final class Members extends ReadCommand {
        @Override
        String path() {
            return "v1/members";
        }

        @Override
        Table table(JsonNode answer) {
            Table t = new Table("NODE", "ADDRESS", "DATACENTER", "STATUS", "REACHABLE");
            for (JsonNode m : answer.path("members")) {
                t.row(m.path("name").asText(), m.path("address").asText(), m.path("datacenter").asText(),
                        m.path("status").asText(), m.path("reachable").asBoolean() ? "yes" : "no");
            }
            return t;
        }
    }

    @Command(name = "services", description = "Every service with its exporters and importers.")
    static final class Services extends ReadCommand {
        @Override
        String path() {
            return "v1/services";
        }

        @Override
        Table table(JsonNode answer) {
            Table t = new Table("SERVICE", "ROLE", "NODE", "DATACENTER", "ADDRESS", "STATE", "REACHABLE", "LOAD");
            for (JsonNode s : answer.path("services")) {
                for (JsonNode e : s.path("exporters")) {
                    t.row(s.path("service").asText(), "export", e.path("node").asText(), e.path("datacenter").asText(),
                            e.path("link").asText(), e.path("state").asText().toLowerCase(),
                            e.path("reachable").asBoolean() ? "yes" : "no", e.path("load").asInt());
                }
                for (JsonNode i : s.path("importers")) {
                    String from = i.path("fromDatacenter").asText();
                    t.row(s.path("service").asText(), "import", i.path("node").asText(), i.path("datacenter").asText(),
                            i.path("listen").asText(), "from " + (from.isEmpty() ? "any datacenter" : from), "-", "-");
                }
            }
            return t;
        }
    }

    @Command(name = "routes", description = "For each import on each entry node, the exporters it would try, best first.")
    static final class Routes extends ReadCommand {
        @Override
        String path() {
            return "v1/routes";
        }

        @Override
        Table table(JsonNode answer) {
            Table t = new Table("ENTRY", "DATACENTER", "SERVICE", "FROM", "EXPORTERS (BEST FIRST)");
            for (JsonNode r : answer.path("routes")) {
                StringBuilder exporters = new StringBuilder();
                r.path("exporters").forEach(e -> exporters.append(exporters.length() == 0 ? "" : ", ").append(e.asText()));
                String from = r.path("datacenter").asText();
                t.row(r.path("entry").asText(), r.path("entryDatacenter").asText(), r.path("service").asText(),
                        from.isEmpty() ? "any" : from, exporters.length() == 0 ? "(none)" : exporters);
            }
            return t;
        }
    }

    @Command(name = "connections", description = "Open connections on every node: client connections on entries, links on exits.")
    static final class Connections extends ReadCommand {
        @Option(names = "--service", paramLabel = "S", description = "Only connections of service S.")
        String service;

        @Override
        String path() {
            return "v1/connections"
                    + (service == null ? "" : "?service=" + URLEncoder.encode(service, StandardCharsets.UTF_8));
        }

        @Override
        Table table(JsonNode answer) {
            Table t = new Table("NODE", "DATACENTER", "SERVICE", "ROLE", "CLIENT", "PEER", "TO SERVICE", "FROM SERVICE", "AGE");
            for (JsonNode c : answer.path("connections")) {
                t.row(c.path("node").asText(), c.path("datacenter").asText(), c.path("service").asText(),
                        c.path("role").asText(), c.path("client").asText(), c.path("peer").asText(),
                        c.path("bytesToService").asLong(), c.path("bytesFromService").asLong(),
                        c.path("ageSeconds").asLong() + "s");
            }
            return t;
        }
    }

    @Command(name = "stats", description = "Counters per node and service: connections, bytes, open failures, failovers, "
            + "hedged opens, links lost with their exit, and each export filter's verdicts by rule.")
    static final class Stats extends ReadCommand {
        @Override
        String path() {
            return "v1/stats";
        }

        @Override
        Table table(JsonNode answer) {
            Table t = new Table("NODE", "DATACENTER", "SERVICE", "ROLE", "ACTIVE", "TOTAL", "TO SERVICE", "FROM SERVICE",
                    "OPEN FAILURES", "FAILOVERS", "HEDGES", "LOST", "FILTER");
            for (JsonNode n : answer.path("nodes")) {
                for (JsonNode s : n.path("services")) {
                    String failures = counts(s.path("openFailures"));
                    String verdicts = counts(s.path("filterVerdicts"));
                    t.row(n.path("node").asText() + (n.path("draining").asBoolean() ? " (draining)" : ""),
                            n.path("datacenter").asText(), s.path("service").asText(), s.path("role").asText(),
                            s.path("active").asInt(), s.path("total").asLong(), s.path("bytesToService").asLong(),
                            s.path("bytesFromService").asLong(), failures, s.path("failovers").asLong(),
                            s.path("hedges").asLong(), s.path("linksLost").asLong(), verdicts);
                }
            }
            return t;
        }
    }

    /** "reason 3, other 1", or "-" when there are none. */
    private static String counts(JsonNode byReason) {
        StringBuilder out = new StringBuilder();
        byReason.fields().forEachRemaining(f -> out.append(out.length() == 0 ? "" : ", ").append(f.getKey()).append(' ')
                .append(f.getValue().asLong()));
        return out.length() == 0 ? "-" : out.toString();
    }

    @Command(name = "topology", description = "A Redis Cluster service: its nodes, roles, slots and health, the exporters "
            + "that see each node, and each node's endpoint on every entry node.")
    static final class Topology extends ReadCommand {
        @picocli.CommandLine.Parameters(paramLabel = "SERVICE", description = "The redis-cluster service.")
        String service;

        @Override
        String path() {
            return "v1/topology/" + URLEncoder.encode(service, StandardCharsets.UTF_8);
        }

        @Override
        Table table(JsonNode answer) {
            Table t = new Table("NODE", "ADDRESS", "ROLE", "SLOTS", "HEALTH", "SEEN BY", "ENDPOINTS");
            for (JsonNode n : answer.path("nodes")) {
                String role = n.path("role").asText();
                if (!n.path("primaryId").asText().isEmpty()) {
                    role += " of " + n.path("primaryId").asText().substring(0, Math.min(8, n.path("primaryId").asText().length()));
                }
                StringBuilder endpoints = new StringBuilder();
                n.path("endpoints").fields().forEachRemaining(e -> endpoints.append(endpoints.length() == 0 ? "" : ", ")
                        .append(e.getKey()).append(' ').append(e.getValue().asText()));
                t.row(n.path("id").asText().substring(0, Math.min(8, n.path("id").asText().length())),
                        n.path("address").asText(), role, joined(n.path("slots")), n.path("health").asText(),
                        joined(n.path("seenBy")), endpoints.length() == 0 ? "-" : endpoints);
            }
            return t;
        }

        private static String joined(JsonNode list) {
            StringBuilder s = new StringBuilder();
            list.forEach(e -> s.append(s.length() == 0 ? "" : ",").append(e.asText()));
            return s.length() == 0 ? "-" : s.toString();
        }
    }
}
