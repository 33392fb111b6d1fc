package io.cloakmesh.protocol.rediscluster;

import java.util.Optional;

/** The entry's view of a remote cluster: each node's local endpoint, and which node a real address is. */
public interface EndpointMap {

    /** The local endpoint of the node with this id, once it has one. */
    Optional<Endpoint> endpointOf(String nodeId);

    /**
     * The id of the node the remote cluster names {@code host:port} (an IP or hostname as the cluster
     * announces it). {@code host} may be "" or "?" (Redis's unknown endpoints): then the port decides.
     */
    Optional<String> nodeAt(String host, int port);
}
