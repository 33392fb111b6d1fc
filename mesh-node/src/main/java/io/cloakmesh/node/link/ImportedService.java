package io.cloakmesh.node.link;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;

/** An imported service as its node runs it: a plain service's listener, or a Redis Cluster's endpoints. */
interface ImportedService {
    String name();

    /** Where clients connect first: the listener, or a cluster's seed endpoint. */
    InetSocketAddress localAddress();

    List<ServiceCounters.Snapshot> counters();

    CompletionStage<Done> unbind();

    CompletionStage<Done> whenIdle();
}
