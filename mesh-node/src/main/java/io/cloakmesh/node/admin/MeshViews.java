package io.cloakmesh.node.admin;

import io.cloakmesh.node.link.LiveConnections;
import io.cloakmesh.node.link.ServiceCounters;
import io.cloakmesh.node.rediscluster.TopologyEntry;
import io.cloakmesh.node.routing.ExportRow;
import io.cloakmesh.node.routing.RouteView;
import io.cloakmesh.protocol.rediscluster.RedisNode;
import io.cloakmesh.protocol.rediscluster.Shard;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * Shapes the gathered node reports into the admin API's mesh-wide answers. Membership and the services
 * table come from the asked node (they are cluster-wide state); imports, routes, connections and
 * counters come from each node's own report.
 */
final class MeshViews {
    record Status(String node, String datacenter, Map<String, Integer> members, List<String> unreachableDatacenters,
            int services, int connections, List<String> unanswered) {
    }

    record MemberRow(String name, String address, String datacenter, String status, boolean reachable) {
    }

    record Members(List<MemberRow> members, List<String> unanswered) {
    }

    record ExporterRow(String node, String datacenter, String link, String state, boolean reachable, int load) {
    }

    record ImporterRow(String node, String datacenter, String listen, String fromDatacenter) {
    }

    record ServiceRow(String service, List<ExporterRow> exporters, List<ImporterRow> importers) {
    }

    record Services(List<ServiceRow> services, List<String> unanswered) {
    }

    record RouteRow(String entry, String entryDatacenter, String service, String datacenter, List<String> exporters) {
    }

    record Routes(List<RouteRow> routes, List<String> unanswered) {
    }

    /**
     * One node of an imported or exported Redis Cluster: its real address (for operators), role, slots
     * and health in the newest reading, the exporters whose latest reading has it, and its endpoint on
     * each entry node.
     */
    record TopologyNode(String id, String address, String role, String primaryId, List<String> slots, String health,
            List<String> seenBy, Map<String, String> endpoints) {
    }

    /** @param readBy the exporter whose reading is the newest, and when it read it (ms since the epoch) */
    record Topology(String service, String readBy, long version, List<TopologyNode> nodes, List<String> unanswered) {
    }

    record ConnectionRow(String node, String datacenter, String service, String role, String client, String peer,
            long bytesToService, long bytesFromService, long ageSeconds) {
    }

    record Connections(List<ConnectionRow> connections, List<String> unanswered) {
    }

    record NodeStats(String node, String datacenter, boolean draining, List<ServiceCounters.Snapshot> services) {
    }

    record Stats(List<NodeStats> nodes, List<String> unanswered) {
    }

    private final ManagedNode node;

    MeshViews(ManagedNode node) {
        this.node = node;
    }

    Status status(MeshQuery.Gathered g) {
        ClusterEvent.CurrentClusterState state = Cluster.get(node.system()).state();
        Map<String, Integer> byStatus = new TreeMap<>();
        for (Member m : state.getMembers()) {
            byStatus.merge(m.status().toString(), 1, Integer::sum);
        }
        int connections = g.reports().stream().mapToInt(r -> (int) r.connections().stream()
                .filter(c -> c.role().equals("import")).count()).sum();
        return new Status(node.name(), node.datacenter(), byStatus,
                new ArrayList<>(new TreeSet<>(state.getUnreachableDataCenters())), node.routes().routes().size(),
                connections, g.unanswered());
    }

    Members members(MeshQuery.Gathered g) {
        ClusterEvent.CurrentClusterState state = Cluster.get(node.system()).state();
        Map<String, String> names = new HashMap<>();
        g.reports().forEach(r -> names.put(r.member(), r.name()));
        List<MemberRow> rows = new ArrayList<>();
        for (Member m : state.getMembers()) {
            boolean reachable = !state.getUnreachable().contains(m)
                    && !state.getUnreachableDataCenters().contains(m.dataCenter());
            rows.add(new MemberRow(names.getOrDefault(m.address().toString(), "?"), m.address().toString(),
                    m.dataCenter(), m.status().toString(), reachable));
        }
        rows.sort(Comparator.comparing(MemberRow::datacenter).thenComparing(MemberRow::name));
        return new Members(rows, g.unanswered());
    }

    Services services(MeshQuery.Gathered g) {
        Map<String, List<ExporterRow>> exporters = new TreeMap<>();
        node.routes().routes().forEach((service, routes) -> {
            List<ExporterRow> rows = new ArrayList<>();
            for (RouteView.Route r : routes) {
                ExportRow e = r.entry();
                rows.add(new ExporterRow(e.node(), e.datacenter(), e.linkAddress(), e.state().name(), r.reachable(), e.load()));
            }
            rows.sort(Comparator.comparing(ExporterRow::node));
            exporters.put(service, rows);
        });
        Map<String, List<ImporterRow>> importers = new TreeMap<>();
        for (NodeReport r : sorted(g.reports())) {
            for (NodeReport.ImportReport i : r.imports()) {
                importers.computeIfAbsent(i.service(), s -> new ArrayList<>())
                        .add(new ImporterRow(r.name(), r.datacenter(), i.listen(), i.datacenter()));
            }
        }
        TreeSet<String> names = new TreeSet<>(exporters.keySet());
        names.addAll(importers.keySet());
        List<ServiceRow> rows = names.stream().map(s -> new ServiceRow(s, exporters.getOrDefault(s, List.of()),
                importers.getOrDefault(s, List.of()))).toList();
        return new Services(rows, g.unanswered());
    }

    Routes routes(MeshQuery.Gathered g) {
        List<RouteRow> rows = new ArrayList<>();
        for (NodeReport r : sorted(g.reports())) {
            for (NodeReport.RouteReport route : r.routes()) {
                rows.add(new RouteRow(r.name(), r.datacenter(), route.service(), route.datacenter(), route.exporters()));
            }
        }
        return new Routes(rows, g.unanswered());
    }

    Topology topology(String service, MeshQuery.Gathered g) {
        Optional<TopologyEntry> newest = node.topologies().of(service);
        Map<String, List<String>> seenBy = new TreeMap<>();
        for (TopologyEntry row : node.topologies().rows(service)) {
            row.topology().nodes().forEach(n -> seenBy.computeIfAbsent(n.id(), id -> new ArrayList<>()).add(row.node()));
        }
        Map<String, Map<String, String>> endpoints = new TreeMap<>();
        for (NodeReport r : sorted(g.reports())) {
            for (NodeReport.EndpointReport e : r.endpoints()) {
                if (e.service().equals(service)) {
                    endpoints.computeIfAbsent(e.nodeId(), id -> new TreeMap<>()).put(r.name(), e.endpoint());
                }
            }
        }
        List<TopologyNode> nodes = new ArrayList<>();
        newest.ifPresent(entry -> {
            for (Shard shard : entry.topology().shards()) {
                String primary = shard.nodes().stream().filter(RedisNode::primary).map(RedisNode::id).findFirst().orElse("");
                List<String> slots = shard.slots().stream()
                        .map(r -> r.start() == r.end() ? Integer.toString(r.start()) : r.start() + "-" + r.end()).toList();
                for (RedisNode n : shard.nodes()) {
                    nodes.add(new TopologyNode(n.id(), n.ip() + ":" + n.port(), n.primary() ? "primary" : "replica",
                            n.primary() ? "" : primary, n.primary() ? slots : List.of(), n.health(),
                            seenBy.getOrDefault(n.id(), List.of()), endpoints.getOrDefault(n.id(), Map.of())));
                }
            }
        });
        return new Topology(service, newest.map(TopologyEntry::node).orElse(""), newest.map(TopologyEntry::version).orElse(0L),
                nodes, g.unanswered());
    }

    Connections connections(MeshQuery.Gathered g, Optional<String> service) {
        List<ConnectionRow> rows = new ArrayList<>();
        for (NodeReport r : sorted(g.reports())) {
            for (LiveConnections.View c : r.connections()) {
                if (service.map(s -> s.equals(c.service())).orElse(true)) {
                    rows.add(new ConnectionRow(r.name(), r.datacenter(), c.service(), c.role(), c.client(), c.peer(),
                            c.bytesToService(), c.bytesFromService(), c.ageSeconds()));
                }
            }
        }
        return new Connections(rows, g.unanswered());
    }

    Stats stats(MeshQuery.Gathered g) {
        return new Stats(sorted(g.reports()).stream()
                .map(r -> new NodeStats(r.name(), r.datacenter(), r.draining(), r.counters())).toList(), g.unanswered());
    }

    private static List<NodeReport> sorted(List<NodeReport> reports) {
        return reports.stream().sorted(Comparator.comparing(NodeReport::datacenter).thenComparing(NodeReport::name)).toList();
    }
}
