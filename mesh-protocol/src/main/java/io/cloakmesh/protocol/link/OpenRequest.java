package io.cloakmesh.protocol.link;

import java.util.Objects;
import java.util.Optional;

/**
 * What an entry asks of an exit once the secure channel is up: a service, and for services with several
 * backends (Redis Cluster nodes) optionally which one.
 */
public record OpenRequest(String service, Optional<String> targetNode) {
    public OpenRequest {
        Objects.requireNonNull(targetNode, "targetNode");
        LinkFrames.checkField("service", service, 1);
        targetNode.ifPresent(node -> LinkFrames.checkField("target node", node, 1));
    }

    public static OpenRequest of(String service) {
        return new OpenRequest(service, Optional.empty());
    }
}
