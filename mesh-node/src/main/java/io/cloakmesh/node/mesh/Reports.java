package io.cloakmesh.node.mesh;

import io.cloakmesh.node.admin.NodeReport;
import io.cloakmesh.node.config.MeshSettings;
import io.cloakmesh.node.routing.ExportRow;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.pekko.cluster.typed.Cluster;

/** Builds a node's own {@link NodeReport} from its running parts. */
final class Reports {
    private Reports() {
    }

    static NodeReport of(MeshNode node) {
        MeshSettings settings = node.settings();
        List<NodeReport.ImportReport> imports = new ArrayList<>();
        List<NodeReport.RouteReport> routes = new ArrayList<>();
        Map<String, InetSocketAddress> bound = node.links().importAddresses();
        settings.imports().values().stream().sorted((a, b) -> a.name().compareTo(b.name())).forEach(i -> {
            InetSocketAddress address = bound.get(i.name());
            imports.add(new NodeReport.ImportReport(i.name(),
                    address == null ? i.listen().toString() : address.getHostString() + ":" + address.getPort(),
                    i.datacenter().orElse("")));
            routes.add(new NodeReport.RouteReport(i.name(), i.datacenter().orElse(""),
                    node.routes().candidates(i.name(), i.datacenter()).stream().map(ExportRow::node).toList()));
        });
        return new NodeReport(settings.nodeName(), settings.datacenter(),
                Cluster.get(node.system()).selfMember().address().toString(), node.draining(),
                node.links().linkAddress().map(InetSocketAddress::getPort).orElse(0),
                imports, settings.exports().keySet().stream().sorted().toList(), node.links().counters(),
                node.links().connections(), routes, node.listenerEvents().snapshot(), endpoints(node),
                node.links().handshakes(), node.certificateExpiry().map(java.time.Instant::toEpochMilli).orElse(0L));
    }

    private static List<NodeReport.EndpointReport> endpoints(MeshNode node) {
        List<NodeReport.EndpointReport> all = new ArrayList<>();
        node.links().nodeEndpoints().forEach((service, endpoints) -> endpoints.forEach((id, endpoint) ->
                all.add(new NodeReport.EndpointReport(service, id, endpoint.text()))));
        return all;
    }
}
