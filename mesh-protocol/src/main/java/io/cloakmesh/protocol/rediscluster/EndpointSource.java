package io.cloakmesh.protocol.rediscluster;

import java.util.concurrent.CompletionStage;

/** An {@link EndpointMap} that can be told to learn the remote cluster's topology again. */
public interface EndpointSource extends EndpointMap {

    /**
     * A reply named {@code node} (an id, or a real address), which has no endpoint: read the topology
     * again and give new nodes their endpoints. Completes when that is done (or has failed).
     */
    CompletionStage<?> refresh(String node);
}
