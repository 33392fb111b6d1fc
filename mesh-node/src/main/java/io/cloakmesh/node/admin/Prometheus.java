package io.cloakmesh.node.admin;

import io.cloakmesh.node.link.LinkHandshakes;
import io.cloakmesh.node.link.ServiceCounters;
import io.cloakmesh.node.net.ListenerEvents;
import java.util.List;

/** A node's own counters in the Prometheus text exposition format (version 0.0.4). */
final class Prometheus {
    private Prometheus() {
    }

    static String render(NodeReport node) {
        StringBuilder out = new StringBuilder();
        List<ServiceCounters.Snapshot> counters = node.counters();
        header(out, "cloakmesh_draining", "gauge", "1 while the node takes no new links.");
        out.append("cloakmesh_draining{node=\"").append(escape(node.name())).append("\"} ")
                .append(node.draining() ? 1 : 0).append('\n');
        metric(out, node, counters, "cloakmesh_connections_active", "gauge",
                "Open connections: client connections on an import, links on an export.", s -> s.active());
        metric(out, node, counters, "cloakmesh_connections_total", "counter",
                "Connections accepted since start.", ServiceCounters.Snapshot::total);
        metric(out, node, counters, "cloakmesh_bytes_to_service_total", "counter",
                "Bytes carried toward the service (client to Redis).", ServiceCounters.Snapshot::bytesToService);
        metric(out, node, counters, "cloakmesh_bytes_from_service_total", "counter",
                "Bytes carried back from the service.", ServiceCounters.Snapshot::bytesFromService);
        header(out, "cloakmesh_link_open_seconds", "summary",
                "Time from a client's arrival at an import to its link's opening (imports only).");
        for (ServiceCounters.Snapshot s : counters) {
            if (s.role().equals("import")) {
                out.append("cloakmesh_link_open_seconds_sum").append(labels(node, s, "")).append(' ')
                        .append(s.openNanos() / 1e9).append('\n');
                out.append("cloakmesh_link_open_seconds_count").append(labels(node, s, "")).append(' ')
                        .append(s.linksOpened()).append('\n');
            }
        }
        metric(out, node, counters, "cloakmesh_failovers_total", "counter",
                "Opens retried on another exporter after one failed.", ServiceCounters.Snapshot::failovers);
        metric(out, node, counters, "cloakmesh_hedges_total", "counter",
                "Opens started beside one that had not answered within the hedge delay.", ServiceCounters.Snapshot::hedges);
        metric(out, node, counters, "cloakmesh_links_lost_total", "counter",
                "Open connections closed because their link's exit left the cluster.", ServiceCounters.Snapshot::linksLost);
        header(out, "cloakmesh_open_failures_total", "counter", "Failed link opens by reason.");
        for (ServiceCounters.Snapshot s : counters) {
            s.openFailures().forEach((reason, count) -> out.append("cloakmesh_open_failures_total")
                    .append(labels(node, s, ",reason=\"" + escape(reason) + "\"")).append(' ').append(count).append('\n'));
        }
        header(out, "cloakmesh_filter_verdicts_total", "counter",
                "Commands an export's filter judged: allowed, or refused by rule.");
        for (ServiceCounters.Snapshot s : counters) {
            s.filterVerdicts().forEach((rule, count) -> out.append("cloakmesh_filter_verdicts_total")
                    .append(labels(node, s, ",rule=\"" + escape(rule) + "\"")).append(' ').append(count).append('\n'));
        }
        header(out, "cloakmesh_listener_refusals_total", "counter",
                "Connections a listener closed before they authenticated, and accept failures, by reason.");
        for (ListenerEvents.Count c : node.listenerEvents()) {
            out.append("cloakmesh_listener_refusals_total{node=\"").append(escape(node.name())).append("\",listener=\"")
                    .append(escape(c.listener())).append("\",reason=\"").append(escape(c.reason())).append("\"} ")
                    .append(c.count()).append('\n');
        }
        header(out, "cloakmesh_link_handshakes_total", "counter",
                "TLS link handshakes (link.security.mode = tls) by side, full or resumed from a session ticket.");
        LinkHandshakes.Snapshot h = node.linkHandshakes();
        handshakes(out, node, "entry", "full", h.entryFull());
        handshakes(out, node, "entry", "resumed", h.entryResumed());
        handshakes(out, node, "exit", "full", h.exitFull());
        handshakes(out, node, "exit", "resumed", h.exitResumed());
        return out.toString();
    }

    private static void handshakes(StringBuilder out, NodeReport node, String role, String kind, long count) {
        out.append("cloakmesh_link_handshakes_total{node=\"").append(escape(node.name())).append("\",role=\"").append(role)
                .append("\",kind=\"").append(kind).append("\"} ").append(count).append('\n');
    }

    private interface Value {
        long of(ServiceCounters.Snapshot s);
    }

    private static void metric(StringBuilder out, NodeReport node, List<ServiceCounters.Snapshot> counters, String name,
            String type, String help, Value value) {
        header(out, name, type, help);
        for (ServiceCounters.Snapshot s : counters) {
            out.append(name).append(labels(node, s, "")).append(' ').append(value.of(s)).append('\n');
        }
    }

    private static void header(StringBuilder out, String name, String type, String help) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static String labels(NodeReport node, ServiceCounters.Snapshot s, String more) {
        return "{node=\"" + escape(node.name()) + "\",service=\"" + escape(s.service()) + "\",role=\"" + s.role() + "\""
                + more + "}";
    }

    private static String escape(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
