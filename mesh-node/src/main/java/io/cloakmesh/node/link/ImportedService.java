package io.cloakmesh.node.link;

import io.cloakmesh.protocol.rediscluster.Endpoint;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;

/** An imported service as its node runs it: a plain service's listener, or a Redis Cluster's endpoints. */
interface ImportedService {
    String name();

    /** Where clients connect first: the listener, or a cluster's seed endpoint. */
    InetSocketAddress localAddress();

    List<ServiceCounters.Snapshot> counters();

    /** Where each remote node of the service is reached on this node, by node id; none for most kinds. */
    default Map<String, Endpoint> nodeEndpoints() {
        return Map.of();
    }

    CompletionStage<Done> unbind();

    CompletionStage<Done> whenIdle();
}
