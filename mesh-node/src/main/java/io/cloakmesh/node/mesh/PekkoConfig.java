package io.cloakmesh.node.mesh;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.cloakmesh.node.config.ClusterSettings;
import io.cloakmesh.node.config.HostPort;
import io.cloakmesh.node.config.MeshSettings;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The Pekko configuration of a mesh node, in three layers: the node file's own {@code pekko} block wins
 * over what is derived from its {@code cloakmesh} block, which wins over cloakmesh-mesh.conf and Pekko's
 * defaults.
 */
final class PekkoConfig {
    /** Every node of one mesh must use the same actor system name: it is part of cluster addresses. */
    static final String SYSTEM_NAME = "cloakmesh";
    /** Where Artery listens when the cluster port is gated: loopback, on a port the system chooses. */
    static final String ARTERY_BEHIND_GATE = "127.0.0.1";

    private PekkoConfig() {
    }

    static Config of(MeshSettings settings) {
        ClusterSettings cluster = settings.cluster();
        Map<String, Object> derived = new HashMap<>();
        derived.put("pekko.remote.artery.canonical.hostname", cluster.canonical().host());
        derived.put("pekko.remote.artery.canonical.port", cluster.canonical().port());
        if (cluster.tls().isPresent()) {
            // ClusterGate takes the cluster address and relays authenticated connections here.
            derived.put("pekko.remote.artery.bind.hostname", ARTERY_BEHIND_GATE);
            derived.put("pekko.remote.artery.bind.port", 0);
        } else {
            derived.put("pekko.remote.artery.bind.hostname", cluster.bind().host());
            derived.put("pekko.remote.artery.bind.port", cluster.bind().port());
        }
        // Seed nodes are joined by MeshNode once every listener is bound, not at start-up.
        derived.put("pekko.remote.artery.transport", cluster.tls().isPresent() ? "tls-tcp" : "tcp");
        derived.put("pekko.cluster.roles", List.of(NodeRoster.ROLE_PREFIX + settings.nodeName()));
        derived.put("pekko.cluster.multi-data-center.self-data-center", settings.datacenter());
        derived.put("pekko.cluster.split-brain-resolver.active-strategy", cluster.sbrStrategy());
        derived.put("pekko.cluster.split-brain-resolver.stable-after", millis(cluster.sbrStableAfter()));
        if (cluster.sbrQuorumSize() > 0) {
            derived.put("pekko.cluster.split-brain-resolver.static-quorum.quorum-size", cluster.sbrQuorumSize());
        }
        derived.put("pekko.cluster.failure-detector.heartbeat-interval", millis(cluster.heartbeatInterval()));
        derived.put("pekko.cluster.failure-detector.acceptable-heartbeat-pause", millis(cluster.acceptablePause()));
        derived.put("pekko.cluster.multi-data-center.failure-detector.heartbeat-interval",
                millis(cluster.crossDcHeartbeatInterval()));
        derived.put("pekko.cluster.multi-data-center.failure-detector.acceptable-heartbeat-pause",
                millis(cluster.crossDcAcceptablePause()));
        // Draining may take the whole deadline; the phase must not be cut short before it.
        derived.put("pekko.coordinated-shutdown.phases.service-requests-done.timeout",
                millis(settings.drainDeadline().plusSeconds(5)));
        return settings.nodeFile()
                .withFallback(ConfigFactory.parseMap(derived, "derived from the cloakmesh settings"))
                .withFallback(ConfigFactory.parseResources("cloakmesh-mesh.conf"))
                .withFallback(ConfigFactory.load())
                .resolve();
    }

    static String address(HostPort hostPort) {
        return "pekko://" + SYSTEM_NAME + "@" + hostPort;
    }

    private static String millis(Duration d) {
        return d.toMillis() + "ms";
    }
}
