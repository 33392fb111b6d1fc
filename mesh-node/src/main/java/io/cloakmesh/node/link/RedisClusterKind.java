package io.cloakmesh.node.link;

import io.cloakmesh.node.config.ExportSettings;
import io.cloakmesh.node.config.HostPort;
import io.cloakmesh.node.config.ImportSettings;
import io.cloakmesh.node.config.InvalidSettingException;
import io.cloakmesh.node.config.NodeEndpoints;
import io.cloakmesh.node.config.RedisClusterSource;
import io.cloakmesh.node.config.ServiceDetails;
import io.cloakmesh.node.config.Settings;
import io.cloakmesh.node.rediscluster.TopologyEntry;
import io.cloakmesh.node.rediscluster.TopologyView;
import io.cloakmesh.node.rediscluster.TopologyWatcher;
import io.cloakmesh.node.tls.ReloadingTls;
import io.cloakmesh.protocol.rediscluster.RedisNode;
import io.cloakmesh.protocol.rediscluster.RedisTopology;
import io.cloakmesh.protocol.rediscluster.ReplyRewriteStage;
import io.cloakmesh.protocol.resp.RespLimits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.stream.javadsl.BidiFlow;

/**
 * {@code kind = redis-cluster}: a whole Redis Cluster. The import gives each remote node an endpoint
 * ({@link RedisClusterImport}) and runs {@link ReplyRewriteStage} on every client connection, so replies
 * name only those endpoints; the export keeps the cluster's topology ({@link TopologyWatcher}), sends a
 * link to the node it names, or to any healthy node, and filters its commands when it has a
 * {@code filter} block ({@link ExportFilter}).
 */
final class RedisClusterKind implements ServiceKind {
    static final String NAME = "redis-cluster";
    /** The largest reply gathered for rewriting: CLUSTER NODES / SHARDS of a ~1000-node cluster. */
    private static final int MAX_GATHERED = 16 * 1024 * 1024;
    /** Requests a client may have in flight on one connection before it is read no further. */
    private static final int MAX_OUTSTANDING = 100_000;
    /** How long an open naming an unknown node waits for the topology to be read again. */
    private static final Duration REFRESH_WAIT = Duration.ofSeconds(3);
    /** Watchers replaced by a reload run beside their successors for a moment: each needs its own name. */
    private static final AtomicInteger WATCHERS = new AtomicInteger();

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> exportKeys() {
        return List.of("seeds", "username", "password-file", "refresh-interval", "allow-scripts", "filter");
    }

    @Override
    public ServiceDetails readExport(Settings block) throws InvalidSettingException {
        return RedisClusterSource.read(block);
    }

    @Override
    public List<String> importKeys() {
        return List.of("host", "node-ports", "node-grace", "unmapped-wait");
    }

    @Override
    public ServiceDetails readImport(Settings block, HostPort listen) throws InvalidSettingException {
        return NodeEndpoints.read(block, listen);
    }

    @Override
    public CompletionStage<RedisClusterImport> startImport(ImportSettings settings, EntryStack entry) {
        Duration unmappedWait = settings.details(NodeEndpoints.class).unmappedWait();
        ReplyRewriteStage.Settings stage = new ReplyRewriteStage.Settings(RespLimits.DEFAULTS, MAX_GATHERED, MAX_OUTSTANDING,
                unmappedWait);
        return RedisClusterImport.start(settings, entry, (imported, own) -> BidiFlow.fromGraph(new ReplyRewriteStage(
                stage, imported, own, imported::scriptsAllowed)));
    }

    @Override
    public ServiceExport export(ExportSettings settings, Exit exit) {
        RedisClusterSource source = settings.details(RedisClusterSource.class);
        Optional<ReloadingTls> tls = ServiceExport.tls(settings);
        ActorRef<TopologyWatcher.Command> watcher = exit.system().systemActorOf(TopologyWatcher.create(settings.name(),
                        source, tls, exit.self(), exit.topologies(), settings.connectTimeout().multipliedBy(2)),
                "topology-" + settings.name() + "-" + WATCHERS.incrementAndGet(), Props.empty());
        return new ServiceExport(settings, exit.system(), new Nodes(settings.name(), source, exit.system(),
                exit.topologies(), watcher, tls.isPresent()), ExportFilter.of(settings, exit.system(), source.seeds(), source.credentials(), tls),
                tls);
    }

    /** Where a link goes: the node it names, as the topology says, or any healthy node. */
    private record Nodes(String service, RedisClusterSource source, ActorSystem<?> system, TopologyView topologies,
            ActorRef<TopologyWatcher.Command> watcher, boolean tls) implements ServiceExport.Targets {
        @Override
        public CompletionStage<List<HostPort>> of(Optional<String> node) {
            if (node.isEmpty()) {
                return CompletableFuture.completedFuture(anyNode(topologies.of(service).map(TopologyEntry::topology)));
            }
            Optional<HostPort> known = address(node.get());
            if (known.isPresent()) {
                return CompletableFuture.completedFuture(List.of(known.get()));
            }
            return refreshed().thenCompose(x -> address(node.get())
                    .map(a -> CompletableFuture.completedFuture(List.of(a)))
                    .orElseGet(() -> CompletableFuture.failedFuture(new ServiceExport.UnknownNodeException(
                            "cluster " + service + " has no node " + node.get()))));
        }

        @Override
        public void stop() {
            watcher.tell(TopologyWatcher.Stop.INSTANCE);
        }

        /** The newest reading of the cluster, taken again now. */
        private CompletionStage<?> refreshed() {
            return AskPattern.<TopologyWatcher.Command, TopologyEntry>ask(watcher, TopologyWatcher.Refresh::new,
                            REFRESH_WAIT, system.scheduler())
                    .exceptionally(timeout -> null);
        }

        private Optional<HostPort> address(String nodeId) {
            return topologies.of(service)
                    .flatMap(e -> e.topology().node(nodeId))
                    .filter(n -> !n.ip().isEmpty() && port(n) != 0)
                    .map(n -> new HostPort(n.ip(), port(n)));
        }

        /** The port the exit connects to: the node's tls-port when the export reaches the cluster over TLS. */
        private int port(RedisNode n) {
            return tls ? n.tlsPort() : n.port();
        }

        /**
         * For a client that names no node (the seed endpoint): healthy primaries, then healthy replicas,
         * then the seeds; any node answers a cluster client and redirects it where it must go.
         */
        private List<HostPort> anyNode(Optional<RedisTopology> topology) {
            Set<HostPort> order = new LinkedHashSet<>();
            List<RedisNode> nodes = new ArrayList<>(topology.map(RedisTopology::nodes).orElse(List.of()));
            nodes.sort(Comparator.comparing((RedisNode n) -> !n.primary()));
            for (RedisNode n : nodes) {
                if (n.health().equals("online") && !n.ip().isEmpty() && port(n) != 0) {
                    order.add(new HostPort(n.ip(), port(n)));
                }
            }
            order.addAll(source.seeds());
            return List.copyOf(order);
        }
    }
}
