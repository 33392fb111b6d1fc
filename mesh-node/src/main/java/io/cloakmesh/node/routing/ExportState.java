package io.cloakmesh.node.routing;

/** Whether an exporter takes new links. */
public enum ExportState {
    ACTIVE,
    /** Finishing its open links and taking no new ones. */
    DRAINING
}
