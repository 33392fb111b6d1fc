package io.cloakmesh.node.link;

import io.cloakmesh.node.cluster.TopologyEntry;
import io.cloakmesh.node.cluster.TopologyView;
import io.cloakmesh.node.cluster.TopologyWatcher;
import io.cloakmesh.node.config.HostPort;
import io.cloakmesh.node.config.MeshSettings.ExportSettings;
import io.cloakmesh.node.config.ServiceKind;
import io.cloakmesh.node.net.Failures;
import io.cloakmesh.node.transport.SocketOptions;
import io.cloakmesh.node.transport.Transport;
import io.cloakmesh.node.transport.Transports;
import io.cloakmesh.protocol.cluster.ClusterNode;
import io.cloakmesh.protocol.cluster.ClusterTopology;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.Materializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One exported service on its exit node: connects a link to the first of the service's targets that
 * accepts, before the exit answers OK, so a dead target becomes a refusal the entry can fail over on.
 * For a Redis Cluster the targets come from its topology: the node a link names, or any healthy node
 * for a link that names none.
 */
final class ServiceExport {
    private static final Logger LOG = LoggerFactory.getLogger(ServiceExport.class);
    /** How long an open naming an unknown node waits for the topology to be read again. */
    private static final Duration REFRESH_WAIT = Duration.ofSeconds(3);

    /** The link names a Redis node the cluster does not have, even after reading it again. */
    static final class UnknownNodeException extends Exception {
        private static final long serialVersionUID = 1L;

        UnknownNodeException(String message) {
            super(message, null, false, false);
        }
    }

    private final ExportSettings settings;
    private final ActorSystem<?> system;
    private final Materializer materializer;
    private final TopologyView topologies;
    private final Optional<ActorRef<TopologyWatcher.Command>> watcher;
    final ServiceCounters counters;

    /**
     * @param watcher keeps the topology of a Redis Cluster export; empty for other kinds
     */
    ServiceExport(ExportSettings settings, ActorSystem<?> system, TopologyView topologies,
            Optional<ActorRef<TopologyWatcher.Command>> watcher) {
        this.settings = settings;
        this.system = system;
        this.materializer = Materializer.matFromSystem(system);
        this.topologies = topologies;
        this.watcher = watcher;
        this.counters = new ServiceCounters(settings.name(), "export");
    }

    String name() {
        return settings.name();
    }

    ExportSettings settings() {
        return settings;
    }

    Optional<ActorRef<TopologyWatcher.Command>> watcher() {
        return watcher;
    }

    /** A connection to one of the service's targets, not yet joined to the link. */
    record Connected(Detached<?> connection, HostPort target) {
    }

    /**
     * A connection to the first target that accepts; fails with the last target's error, or with
     * {@link UnknownNodeException} when {@code node} is not in the cluster.
     */
    CompletionStage<Connected> connect(Optional<String> node, Attributes colocated) {
        if (settings.kind() == ServiceKind.TCP) {
            return node.isPresent()
                    ? CompletableFuture.failedFuture(new UnknownNodeException("service " + name() + " has no nodes"))
                    : connect(settings.targets(), 0, colocated);
        }
        if (node.isEmpty()) {
            return connect(anyNode(topologies.of(name()).map(TopologyEntry::topology)), 0, colocated);
        }
        Optional<HostPort> known = address(node.get());
        if (known.isPresent()) {
            return connect(List.of(known.get()), 0, colocated);
        }
        return refreshed().thenCompose(x -> address(node.get())
                .map(a -> connect(List.of(a), 0, colocated))
                .orElseGet(() -> CompletableFuture.failedFuture(new UnknownNodeException(
                        "cluster " + name() + " has no node " + node.get()))));
    }

    /** The newest reading of the cluster, taken again now. */
    private CompletionStage<?> refreshed() {
        return AskPattern.<TopologyWatcher.Command, TopologyEntry>ask(watcher.orElseThrow(), TopologyWatcher.Refresh::new,
                        REFRESH_WAIT, system.scheduler())
                .exceptionally(timeout -> null);
    }

    private Optional<HostPort> address(String nodeId) {
        return topologies.of(name())
                .flatMap(e -> e.topology().node(nodeId))
                .filter(n -> !n.ip().isEmpty() && n.port() != 0)
                .map(n -> new HostPort(n.ip(), n.port()));
    }

    /**
     * For a client that names no node (the seed endpoint): healthy primaries, then healthy replicas, then
     * the seeds; any node answers a cluster client and redirects it where it must go.
     */
    private List<HostPort> anyNode(Optional<ClusterTopology> topology) {
        Set<HostPort> order = new LinkedHashSet<>();
        List<ClusterNode> nodes = new ArrayList<>(topology.map(ClusterTopology::nodes).orElse(List.of()));
        nodes.sort(Comparator.comparing((ClusterNode n) -> !n.primary()));
        for (ClusterNode n : nodes) {
            if (n.health().equals("online") && !n.ip().isEmpty() && n.port() != 0) {
                order.add(new HostPort(n.ip(), n.port()));
            }
        }
        order.addAll(settings.cluster().orElseThrow().seeds());
        return List.copyOf(order);
    }

    private CompletionStage<Connected> connect(List<HostPort> targets, int index, Attributes colocated) {
        HostPort target = targets.get(index);
        Detached<CompletionStage<Transport.Connected>> attempt = Detached.run(Transports.of(system).connect(
                InetSocketAddress.createUnresolved(target.host(), target.port()), Optional.empty(), SocketOptions.DEFAULT,
                settings.connectTimeout()), materializer, colocated);
        return attempt.materialized().handle((connected, failure) -> {
            if (failure == null) {
                return CompletableFuture.completedFuture(new Connected(attempt, target));
            }
            LOG.warn("export {}: target {} unreachable: {}", settings.name(), target, Failures.rootMessage(failure));
            attempt.abort(failure);
            return index + 1 < targets.size() ? connect(targets, index + 1, colocated)
                    : CompletableFuture.<Connected>failedFuture(failure);
        }).thenCompose(next -> next);
    }
}
