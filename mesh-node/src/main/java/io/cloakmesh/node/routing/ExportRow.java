package io.cloakmesh.node.routing;

/**
 * One row of the services table: {@code node} exports {@code service} and takes links at
 * {@code linkHost:linkPort}. Only the exporting node writes its rows (so last-writer-wins never races),
 * except that survivors delete the rows of a node removed from the cluster.
 *
 * @param member the node's cluster identity (address and incarnation), so a restarted node's rows are
 *     never mistaken for, or deleted with, those of its previous life
 * @param load the exporter's open links for the service when it last published
 */
public record ExportRow(String service, String node, String member, String datacenter, String linkHost,
        int linkPort, ExportState state, int load) implements CborSerializable, MemberRows.Row {

    /** The table key: one row per service and exporter incarnation. */
    public String key() {
        return service + "@" + member;
    }

    public String linkAddress() {
        return linkHost + ":" + linkPort;
    }

    public ExportRow with(ExportState newState) {
        return with(newState, load);
    }

    ExportRow with(ExportState newState, int newLoad) {
        return new ExportRow(service, node, member, datacenter, linkHost, linkPort, newState, newLoad);
    }
}
