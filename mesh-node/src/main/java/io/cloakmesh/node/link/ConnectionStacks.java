package io.cloakmesh.node.link;

import io.cloakmesh.node.config.MeshSettings.ImportSettings;
import io.cloakmesh.protocol.cluster.ClusterReplyStage;
import io.cloakmesh.protocol.cluster.EndpointSource;
import io.cloakmesh.protocol.resp.RespLimits;
import java.util.Optional;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.BidiFlow;
import org.apache.pekko.util.ByteString;

/**
 * The stages of one client connection on an entry node, by service kind, assembled in this one place
 * (as a Netty pipeline initializer does): client ↔ [these stages] ↔ link gate ↔ pipe ↔ socket. The top
 * row carries client bytes toward the service, the bottom row its replies back. Policy filters and TLS
 * toward clients plug in here.
 */
final class ConnectionStacks {
    /** The largest reply gathered for rewriting: CLUSTER NODES / SHARDS of a ~1000-node cluster. */
    private static final int MAX_GATHERED = 16 * 1024 * 1024;
    /** Requests a client may have in flight on one connection before it is read no further. */
    private static final int MAX_OUTSTANDING = 100_000;

    private ConnectionStacks() {
    }

    /**
     * @param endpoints for a Redis Cluster: where each of its nodes is reached from here
     */
    static BidiFlow<ByteString, ByteString, ByteString, ByteString, NotUsed> entry(ImportSettings settings,
            Optional<EndpointSource> endpoints) {
        switch (settings.kind()) {
            case REDIS_CLUSTER:
                return BidiFlow.fromGraph(new ClusterReplyStage(new ClusterReplyStage.Settings(RespLimits.DEFAULTS,
                        MAX_GATHERED, MAX_OUTSTANDING, settings.cluster().orElseThrow().unmappedWait()),
                        endpoints.orElseThrow()));
            case TCP:
            default:
                return BidiFlow.identity();
        }
    }
}
