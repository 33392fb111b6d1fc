package io.cloakmesh.node.admin;

import io.cloakmesh.node.link.LiveConnections;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * One picture of the whole mesh for the web console, sent once a second: every node by datacenter with
 * its state, each service with its exporters, importers and the entry-to-exit edges that carry its
 * connections now, each service's recent rates, each Redis Cluster's slot map and what listeners turned
 * away. Built from the same gathered reports and views as {@code mesh-admin}'s answers.
 */
record ConsoleFrame(long at, String servedBy, List<NodeState> nodes, List<ServiceState> services,
        List<Refusal> refusals, List<String> unanswered) {

    /**
     * @param state unreachable, draining, or the member status in lower case (up, joining, leaving, ...)
     * @param oldest whether it is its datacenter's oldest member (the one that runs its singletons)
     * @param certificateExpiry when its cluster certificate expires (ms since the epoch); null when unknown
     */
    record NodeState(String name, String datacenter, String address, String state, boolean oldest,
            Long certificateExpiry) {
    }

    /**
     * A service: who exports and imports it, the edges that carry it now, its rates, why its opens failed
     * (since the entries started, by reason), its slot map.
     */
    record ServiceState(String service, List<MeshViews.ExporterRow> exporters, List<MeshViews.ImporterRow> importers,
            List<Edge> edges, List<ConsoleHistory.Point> history, Map<String, Long> failures,
            List<MeshViews.TopologyNode> slots) {
    }

    /** Connections from an entry node to an exit node for one service, and the bytes both ways they carry. */
    record Edge(String entry, String exit, int connections, long bytes) {
    }

    /** A listener's refusals of one reason, on one node. */
    record Refusal(String node, String listener, String reason, long count) {
    }

    /**
     * The frame of {@code g}: {@code members} and {@code services} as the admin views give them, {@code
     * oldest} the addresses of each datacenter's oldest member, {@code history} each service's rates and
     * {@code slots} each Redis Cluster service's newest topology.
     */
    static ConsoleFrame of(long at, String servedBy, MeshQuery.Gathered g, MeshViews.Members members, Set<String> oldest,
            MeshViews.Services services, Map<String, List<ConsoleHistory.Point>> history,
            Map<String, List<MeshViews.TopologyNode>> slots) {
        Map<String, NodeReport> reports = new TreeMap<>();
        g.reports().forEach(r -> reports.put(r.member(), r));
        List<NodeState> nodes = new ArrayList<>();
        for (MeshViews.MemberRow m : members.members()) {
            NodeReport report = reports.get(m.address());
            String state = !m.reachable() ? "unreachable"
                    : report != null && report.draining() ? "draining" : m.status().toLowerCase(Locale.ROOT);
            Long expiry = report == null || report.certificateExpiry() == 0 ? null : report.certificateExpiry();
            nodes.add(new NodeState(m.name(), m.datacenter(), m.address(), state, oldest.contains(m.address()), expiry));
        }
        List<ServiceState> rows = new ArrayList<>();
        for (MeshViews.ServiceRow s : services.services()) {
            rows.add(new ServiceState(s.service(), s.exporters(), s.importers(), edges(g, s.service()),
                    history.getOrDefault(s.service(), List.of()), failures(g, s.service()),
                    slots.getOrDefault(s.service(), List.of())));
        }
        List<Refusal> refusals = new ArrayList<>();
        g.reports().stream().sorted(Comparator.comparing(NodeReport::name)).forEach(r -> r.listenerEvents()
                .forEach(c -> refusals.add(new Refusal(r.name(), c.listener(), c.reason(), c.count()))));
        return new ConsoleFrame(at, servedBy, nodes, rows, refusals, g.unanswered());
    }

    private static Map<String, Long> failures(MeshQuery.Gathered g, String service) {
        Map<String, Long> failures = new TreeMap<>();
        ConsoleHistory.importCounters(g, service)
                .forEach(c -> c.openFailures().forEach((reason, n) -> failures.merge(reason, n, Long::sum)));
        return failures;
    }

    /** The entry side's open connections of {@code service}, grouped by the exit they reach. */
    private static List<Edge> edges(MeshQuery.Gathered g, String service) {
        Map<String, Edge> edges = new TreeMap<>();
        for (NodeReport r : g.reports()) {
            for (LiveConnections.View c : r.connections()) {
                if (!ConsoleHistory.belongsTo(c.service(), service) || !c.role().equals("import") || c.peer().isEmpty()) {
                    continue;
                }
                // An entry names its peer "node (link address)".
                int space = c.peer().indexOf(' ');
                String exit = space < 0 ? c.peer() : c.peer().substring(0, space);
                edges.merge(r.name() + "\0" + exit, new Edge(r.name(), exit, 1, c.bytesToService() + c.bytesFromService()),
                        (a, b) -> new Edge(a.entry(), a.exit(), a.connections() + 1, a.bytes() + b.bytes()));
            }
        }
        return List.copyOf(edges.values());
    }
}
