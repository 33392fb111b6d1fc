package io.cloakmesh.node.admin;

import io.cloakmesh.node.link.Links;
import io.cloakmesh.node.net.ListenerEvents;
import io.cloakmesh.node.rediscluster.TopologyView;
import io.cloakmesh.node.routing.RouteView;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * What the admin API and agent ask of the node they run in: its report, drain and undrain, reload, and
 * the views they read. The mesh node implements it, so admin never depends on the node that runs it.
 */
public interface ManagedNode {
    String name();

    String datacenter();

    ActorSystem<?> system();

    RouteView routes();

    /** Its imports and exports, with the exports' filters. */
    Links links();

    TopologyView topologies();

    ListenerEvents listenerEvents();

    /** The node's own part of a mesh-wide answer, as it is now. */
    NodeReport report();

    /** Marks the node draining (no new links as an exit, open ones finish) or active again. */
    CompletionStage<Done> setDraining(boolean draining);

    /** Reads the configuration file again and applies its exports and imports. */
    CompletionStage<Links.ReloadResult> reload();
}
