package io.cloakmesh.node.admin;

import io.cloakmesh.node.link.LinkHandshakes;
import io.cloakmesh.node.link.LiveConnections;
import io.cloakmesh.node.link.ServiceCounters;
import io.cloakmesh.node.net.ListenerEvents;
import io.cloakmesh.node.routing.CborSerializable;
import java.util.List;

/**
 * One node's part of a mesh-wide admin answer, sent between nodes.
 *
 * @param member the node's cluster address
 * @param routes for each import, the exporters this node would try, best first
 * @param listenerEvents what its listeners turned away or failed at, by reason
 * @param endpoints for each imported Redis Cluster, where each of its nodes is reached on this node
 * @param linkHandshakes its TLS link handshakes, full or resumed, as entry and as exit
 * @param certificateExpiry when its cluster certificate expires (ms since the epoch), 0 without cluster TLS
 */
public record NodeReport(String name, String datacenter, String member, boolean draining, int linkPort,
        List<ImportReport> imports, List<String> exports, List<ServiceCounters.Snapshot> counters,
        List<LiveConnections.View> connections, List<RouteReport> routes, List<ListenerEvents.Count> listenerEvents,
        List<EndpointReport> endpoints, LinkHandshakes.Snapshot linkHandshakes, long certificateExpiry)
        implements CborSerializable {

    /** An import: where clients connect and which datacenter serves it ("" = any). */
    public record ImportReport(String service, String listen, String datacenter) implements CborSerializable {
    }

    /** One remote Redis node's endpoint on this entry. */
    public record EndpointReport(String service, String nodeId, String endpoint) implements CborSerializable {
    }

    /** The exporters an entry would try for one import, in order. */
    public record RouteReport(String service, String datacenter, List<String> exporters) implements CborSerializable {
    }
}
