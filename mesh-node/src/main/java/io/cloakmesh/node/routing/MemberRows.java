package io.cloakmesh.node.routing;

import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;

/**
 * The rule every Distributed Data table of per-member rows follows (services, Redis Cluster
 * topologies): each member writes only its own rows, and when a member is removed every survivor
 * deletes that member's rows; deletes of the same row merge, so no one coordinates.
 */
public final class MemberRows {
    /** A row written by one member (its incarnation, {@link RoutingTable#memberId}), under {@code key()}. */
    public interface Row {
        String member();

        String key();
    }

    private MemberRows() {
    }

    public static <R extends Row> boolean has(LWWMap<String, R> table, String member) {
        return table.getEntries().values().stream().anyMatch(row -> row.member().equals(member));
    }

    /** {@code table} without the rows of {@code member}, deleted by this node. */
    public static <R extends Row> LWWMap<String, R> without(LWWMap<String, R> table, SelfUniqueAddress self, String member) {
        LWWMap<String, R> next = table;
        for (R row : table.getEntries().values()) {
            if (row.member().equals(member)) {
                next = next.remove(self, row.key());
            }
        }
        return next;
    }
}
