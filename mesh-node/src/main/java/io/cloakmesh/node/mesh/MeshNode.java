package io.cloakmesh.node.mesh;

import com.sun.management.UnixOperatingSystemMXBean;
import io.cloakmesh.crypto.pipe.HandshakeMode;
import io.cloakmesh.crypto.tls.TlsConfig;
import io.cloakmesh.crypto.tls.TlsException;
import io.cloakmesh.node.admin.AdminAgent;
import io.cloakmesh.node.admin.AdminServer;
import io.cloakmesh.node.admin.ManagedNode;
import io.cloakmesh.node.admin.NodeReport;
import io.cloakmesh.node.config.HostPort;
import io.cloakmesh.node.config.ImportSettings;
import io.cloakmesh.node.config.InvalidSettingException;
import io.cloakmesh.node.config.MeshSettings;
import io.cloakmesh.node.link.Links;
import io.cloakmesh.node.link.ListenFailure;
import io.cloakmesh.node.link.ServiceCounters;
import io.cloakmesh.node.link.ServiceKinds;
import io.cloakmesh.node.net.ClusterGate;
import io.cloakmesh.node.net.Failures;
import io.cloakmesh.node.net.ListenerEvents;
import io.cloakmesh.node.rediscluster.TopologyTable;
import io.cloakmesh.node.rediscluster.TopologyView;
import io.cloakmesh.node.routing.ExportRow;
import io.cloakmesh.node.routing.ExportState;
import io.cloakmesh.node.routing.RouteView;
import io.cloakmesh.node.routing.RoutingTable;
import io.cloakmesh.node.tls.ClusterTlsProvider;
import io.cloakmesh.node.tls.ReloadingTls;
import io.cloakmesh.node.transport.Transports;
import io.cloakmesh.protocol.pipe.PipeSettings;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.AddressFromURIString;
import org.apache.pekko.actor.BootstrapSetup;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.setup.ActorSystemSetup;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.JoinSeedNodes;
import org.apache.pekko.remote.RemoteActorRefProvider;
import org.apache.pekko.remote.artery.ArteryTransport;
import org.apache.pekko.remote.artery.tcp.SSLEngineProviderSetup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running mesh node: the actor system in the cluster, the routing table, the links and the admin
 * API, and the order they stop in. SIGTERM (or the admin API's drain) marks the node draining first, so
 * entries stop choosing it before its listeners close.
 */
public final class MeshNode implements ManagedNode {
    private static final Logger LOG = LoggerFactory.getLogger(MeshNode.class);
    /** The pipe handshake's own deadline inside a link's open timeout. */
    private static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(5);

    private final Path configFile;
    private volatile MeshSettings settings;
    private final ActorSystem<Void> system;
    private final RouteView routes;
    private final TopologyView topologies;
    private final Links links;
    private final ActorRef<RoutingTable.Command> routing;
    private final ListenerEvents listenerEvents;
    private final Optional<ClusterTlsProvider> clusterTls;
    private final Map<String, ServiceCounters.Snapshot> lastLogged = new HashMap<>();
    private CompletionStage<?> reloads = CompletableFuture.completedFuture(null);

    private MeshNode(Path configFile, MeshSettings settings, ActorSystem<Void> system, RouteView routes,
            TopologyView topologies, Links links, ActorRef<RoutingTable.Command> routing, ListenerEvents listenerEvents,
            Optional<ClusterTlsProvider> clusterTls) {
        this.topologies = topologies;
        this.clusterTls = clusterTls;
        this.listenerEvents = listenerEvents;
        this.configFile = configFile;
        this.settings = settings;
        this.system = system;
        this.routes = routes;
        this.links = links;
        this.routing = routing;
    }

    /**
     * Starts the node and joins the cluster; fails (with the actor system stopped, before joining) if a
     * listener cannot bind.
     *
     * @param configFile where {@code settings} came from, read again by {@link #reload()}
     */
    public static MeshNode start(Path configFile, MeshSettings settings) {
        ListenerEvents events = new ListenerEvents();
        Optional<ClusterGate> gate = settings.cluster().tls().map(t -> new ClusterGate(
                settings.cluster().handshakeTimeout(), settings.cluster().maxHandshakes(), events));
        Optional<ClusterTlsProvider> tls = settings.cluster().tls().map(config -> new ClusterTlsProvider(
                reloading("cloakmesh.cluster.tls", config), gate.orElseThrow()::authenticated));
        clusterPortFree(settings.cluster().bind());
        BootstrapSetup bootstrap = BootstrapSetup.create(PekkoConfig.of(settings));
        ActorSystemSetup setup = tls.map(provider -> ActorSystemSetup.create(bootstrap,
                        SSLEngineProviderSetup.create(system -> provider)))
                .orElseGet(() -> ActorSystemSetup.create(bootstrap));
        JoinIdentityCheck.useTls(tls);
        ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), PekkoConfig.SYSTEM_NAME, setup);
        gate.ifPresent(g -> system.getWhenTerminated().thenRun(g::close));
        try {
            gate.ifPresent(g -> openGate(g, settings, system));
            warnIfFewFileDescriptors(settings);
            if (tls.isEmpty()) {
                LOG.warn("cluster traffic is plain TCP, allowed only because every cluster address is loopback; "
                        + "set cloakmesh.cluster.tls before the mesh leaves this host (docs/security.md)");
            }
            // Every listener is bound before the node joins or publishes anything, so a port that is taken
            // stops the node while the mesh has not yet seen it.
            RouteView routes = new RouteView();
            TopologyView topologies = new TopologyView();
            Links.LinkMaterial material = settings.link().tls()
                    ? new Links.LinkMaterial(Optional.empty(), Optional.of(reloading("cloakmesh.cluster.tls (links)",
                            settings.cluster().tls().orElseThrow())), () -> memberNames(system))
                    : new Links.LinkMaterial(Optional.of(new PipeSettings(settings.link().keys(), HandshakeMode.REQUIRE_PFS,
                            HANDSHAKE_TIMEOUT)), Optional.empty(), Set::of);
            Links links = listening(Links.start(system, ServiceKinds.ALL, settings, routes, topologies, material, events));
            system.systemActorOf(TopologyTable.create(topologies), "topologies", Props.empty());
            String member = RoutingTable.memberId(Cluster.get(system).selfMember().uniqueAddress());
            ActorRef<RoutingTable.Command> routing = system.systemActorOf(
                    RoutingTable.create(links.exportRows(settings, member), links::openLinks,
                            settings.loadPublishInterval(), routes),
                    "routing", Props.empty());
            MeshNode node = new MeshNode(configFile, settings, system, routes, topologies, links, routing, events, tls);
            settings.admin().ifPresent(admin -> {
                Optional<ReloadingTls> https = admin.tls().map(config -> reloading("cloakmesh.admin.tls", config));
                try {
                    AdminServer.start(node, admin, https).toCompletableFuture().join();
                } catch (CompletionException e) {
                    throw new StartFailure("cloakmesh.admin.listen: cannot listen on " + admin.listen() + ": "
                            + Failures.rootMessage(e), e);
                }
            });
            system.systemActorOf(AdminAgent.create(node), "admin-agent", Props.empty());
            system.systemActorOf(NodeRoster.create(settings.nodeName(), tls), "node-roster", Props.empty());
            node.registerShutdown();
            node.scheduleCounterLog();
            Cluster.get(system).manager().tell(new JoinSeedNodes(settings.cluster().seedNodes().stream()
                    .map(seed -> AddressFromURIString.parse(PekkoConfig.address(seed))).toList()));
            LOG.info("node {} ({}) started: cluster {}{}, seeds {}, {}", settings.nodeName(), settings.datacenter(),
                    settings.cluster().canonical(), tls.isPresent() ? " (mutual TLS)" : " (plain, loopback only)",
                    settings.cluster().seedNodes(), links.describe());
            return node;
        } catch (RuntimeException e) {
            system.terminate();
            throw e;
        }
    }

    /** When this node's cluster certificate expires, if the cluster speaks TLS. */
    Optional<java.time.Instant> certificateExpiry() {
        return clusterTls.flatMap(ClusterTlsProvider::certificateExpiry);
    }

    /**
     * Near its descriptor limit a node stops accepting (net.DescriptorHeadroom), so it says at start when
     * its own limits could take it there: each link and each import connection holds two sockets.
     */
    private static void warnIfFewFileDescriptors(MeshSettings settings) {
        if (!(ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean os)) {
            return;
        }
        long needed = 128;
        if (settings.link().listen().isPresent()) {
            needed += 2L * settings.link().maxLinks() + settings.link().maxHandshakes();
        }
        for (ImportSettings i : settings.imports().values()) {
            needed += 2L * i.maxConnections();
        }
        if (settings.cluster().tls().isPresent()) {
            // The gate's socket, its relay to Artery and Artery's end of the relay.
            needed += 3L * settings.cluster().maxHandshakes();
        }
        if (os.getMaxFileDescriptorCount() < needed) {
            LOG.warn("the file-descriptor limit is {}, but link.max-links, link.max-handshakes, cluster.max-handshakes "
                    + "and the imports' max-connections allow about {} open files: raise the limit (ulimit -n, systemd "
                    + "LimitNOFILE) or lower those settings", os.getMaxFileDescriptorCount(), needed);
        }
    }

    /** The started links, or the failure of the listener that could not bind as the node's start failure. */
    private static Links listening(CompletionStage<Links> started) {
        try {
            return started.toCompletableFuture().join();
        } catch (CompletionException e) {
            for (Throwable cause = e; cause != null; cause = cause.getCause()) {
                if (cause instanceof ListenFailure f) {
                    throw new StartFailure(f.getMessage(), f);
                }
            }
            throw e;
        }
    }

    /** Puts the gate on the cluster address, in front of Artery's loopback listener. */
    /**
     * Artery would report a taken cluster port with a stack trace of its own, after starting half the
     * actor system: the port is tried first, so that it fails as every other port does, in one line.
     */
    private static void clusterPortFree(HostPort bind) {
        if (bind.port() == 0) {
            return;
        }
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(new InetSocketAddress(bind.host(), bind.port()));
        } catch (IOException e) {
            throw new StartFailure("cloakmesh.cluster.bind: cannot listen on " + bind + ": " + e.getMessage(), e);
        }
    }

    private static void openGate(ClusterGate gate, MeshSettings settings, ActorSystem<?> system) {
        RemoteActorRefProvider provider = (RemoteActorRefProvider) ((ExtendedActorSystem) system.classicSystem()).provider();
        Object arteryPort = ((ArteryTransport) provider.transport()).bindAddress().address().port().get();
        HostPort bind = settings.cluster().bind();
        try {
            gate.bind(new InetSocketAddress(bind.host(), bind.port()),
                    new InetSocketAddress(PekkoConfig.ARTERY_BEHIND_GATE, (Integer) arteryPort), Transports.eventLoops(system));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StartFailure("interrupted while binding cloakmesh.cluster.bind", e);
        } catch (RuntimeException e) {
            throw new StartFailure("cloakmesh.cluster.bind: cannot listen on " + bind + ": " + Failures.rootMessage(e), e);
        }
    }

    /** The node names of the mesh's members now, from their node roles. */
    private static Set<String> memberNames(ActorSystem<?> system) {
        Set<String> names = new java.util.HashSet<>();
        Cluster.get(system).state().getMembers().forEach(m -> NodeRoster.nameOf(m).ifPresent(names::add));
        return names;
    }

    /** The material of the TLS block at {@code path}; a failure names the setting at fault. */
    private static ReloadingTls reloading(String path, TlsConfig config) {
        try {
            return ReloadingTls.load(path, config);
        } catch (TlsException e) {
            throw new StartFailure(path + "." + e.setting() + ": " + e.getMessage(), e);
        }
    }

    public MeshSettings settings() {
        return settings;
    }

    @Override
    public String name() {
        return settings.nodeName();
    }

    @Override
    public String datacenter() {
        return settings.datacenter();
    }

    @Override
    public NodeReport report() {
        return Reports.of(this);
    }

    @Override
    public ActorSystem<Void> system() {
        return system;
    }

    @Override
    public RouteView routes() {
        return routes;
    }

    @Override
    public TopologyView topologies() {
        return topologies;
    }

    @Override
    public Links links() {
        return links;
    }

    @Override
    public ListenerEvents listenerEvents() {
        return listenerEvents;
    }

    public boolean draining() {
        return links.draining();
    }

    /** Marks this node draining (no new links as an exit, open ones finish) or active again. */
    @Override
    public CompletionStage<Done> setDraining(boolean draining) {
        if (draining != links.draining()) {
            LOG.info("node {} {}", settings.nodeName(), draining ? "draining: taking no new links" : "active again");
        }
        links.setDraining(draining);
        return AskPattern.ask(routing, (ActorRef<Done> reply) -> new RoutingTable.SetDraining(draining, reply),
                Duration.ofSeconds(5), system.scheduler());
    }

    /**
     * Reads the configuration file again and applies its exports and imports; anything else that changed
     * is refused, since it needs a restart. Unchanged services keep their connections.
     */
    @Override
    public synchronized CompletionStage<Links.ReloadResult> reload() {
        // One reload at a time: each compares the file with what the previous one applied.
        CompletableFuture<Links.ReloadResult> next = reloads.handle((r, e) -> null).thenCompose(x -> reloadNow())
                .toCompletableFuture();
        reloads = next;
        return next;
    }

    private CompletionStage<Links.ReloadResult> reloadNow() {
        MeshSettings next;
        try {
            next = MeshSettings.load(configFile, ServiceKinds.ALL);
        } catch (InvalidSettingException e) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("invalid configuration in " + configFile
                    + ": " + e.getMessage()));
        }
        List<String> restart = RestartSettings.changed(settings, next);
        if (!restart.isEmpty()) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(
                    "changed settings need a restart, not a reload: " + String.join(", ", restart)));
        }
        if (!next.exports().isEmpty() && !links.hasLinkListener()) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(
                    "exports need the link listener, which starts only with the node: restart it"));
        }
        MeshSettings current = settings;
        return links.reload(current, next).thenCompose(result -> {
            settings = next;
            List<ExportRow> rows = links.exportRows(next, member()).stream()
                    .map(e -> links.draining() ? e.with(ExportState.DRAINING) : e).toList();
            return AskPattern.<RoutingTable.Command, Done>ask(routing,
                    reply -> new RoutingTable.SetExports(rows, reply), Duration.ofSeconds(5), system.scheduler())
                    .thenApply(done -> result);
        });
    }

    private String member() {
        return RoutingTable.memberId(Cluster.get(system).selfMember().uniqueAddress());
    }

    /** Runs the node's shutdown: drain, unbind, wait for connections, leave the cluster, exit. */
    public void shutdown() {
        CoordinatedShutdown.get(system).runAll(CoordinatedShutdown.unknownReason());
    }

    private void registerShutdown() {
        CoordinatedShutdown shutdown = CoordinatedShutdown.get(system);
        shutdown.addTask(CoordinatedShutdown.PhaseBeforeServiceUnbind(), "mesh-refused", () -> {
            if (shutdown.getShutdownReason().orElse(null)
                    instanceof CoordinatedShutdown.IncompatibleConfigurationDetectedReason$) {
                LOG.error("the cluster refused node {}: its name is taken by another member (the seed's log names it), "
                        + "or its configuration is incompatible with the cluster's; exiting 1", settings.nodeName());
            }
            return CompletableFuture.completedFuture(Done.getInstance());
        });
        shutdown.addTask(CoordinatedShutdown.PhaseBeforeServiceUnbind(), "mesh-drain", () -> setDraining(true));
        shutdown.addTask(CoordinatedShutdown.PhaseServiceUnbind(), "mesh-unbind", links::unbind);
        shutdown.addTask(CoordinatedShutdown.PhaseServiceRequestsDone(), "mesh-connections-done",
                () -> links.whenIdle(settings.drainDeadline()));
        shutdown.addTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate(), "mesh-counters", () -> {
            logCounters(true);
            return CompletableFuture.completedFuture(Done.getInstance());
        });
    }

    private void scheduleCounterLog() {
        Duration every = settings.metricsLogInterval();
        if (!every.isZero()) {
            system.scheduler().scheduleWithFixedDelay(every, every, () -> logCounters(false), system.executionContext());
        }
    }

    private synchronized void logCounters(boolean all) {
        for (ServiceCounters.Snapshot s : links.counters()) {
            String key = s.role() + " " + s.service();
            if (all || !s.equals(lastLogged.get(key))) {
                LOG.info("counters: {} {}: active {}, total {}, bytes to service {}, from service {}, open failures {}, failovers {}, hedges {}, links lost {}",
                        s.role(), s.service(), s.active(), s.total(), s.bytesToService(), s.bytesFromService(),
                        s.openFailures(), s.failovers(), s.hedges(), s.linksLost());
                lastLogged.put(key, s);
            }
        }
    }

}
