package io.cloakmesh.node.rediscluster;

import io.cloakmesh.node.routing.CborSerializable;
import io.cloakmesh.node.routing.MemberRows;
import io.cloakmesh.protocol.rediscluster.RedisTopology;

/**
 * One exporter's latest reading of a Redis Cluster's topology, a row of the topologies table. Each
 * exporter writes only its own row; readers take the newest row of a service, so exporters that read the
 * cluster at different moments agree on the last reading.
 *
 * @param member the exporter's cluster identity (see routing.RoutingTable#memberId)
 * @param version when the topology was read, in milliseconds since the epoch on the exporter
 * @param scriptsAllowed the export's allow-scripts: whether entries let clients run scripts on the cluster
 */
public record TopologyEntry(String service, String node, String member, String datacenter, long version,
        RedisTopology topology, boolean scriptsAllowed) implements CborSerializable, MemberRows.Row {

    public String key() {
        return service + "@" + member;
    }

    /** Whether this reading is newer than {@code other} (ties broken by exporter, so all readers agree). */
    public boolean newerThan(TopologyEntry other) {
        return other == null || version > other.version
                || (version == other.version && member.compareTo(other.member) > 0);
    }
}
