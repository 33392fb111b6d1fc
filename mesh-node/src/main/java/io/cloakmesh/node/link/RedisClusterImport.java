package io.cloakmesh.node.link;

import io.cloakmesh.node.config.HostPort;
import io.cloakmesh.node.config.ImportSettings;
import io.cloakmesh.node.config.NodeEndpoints;
import io.cloakmesh.node.net.Failures;
import io.cloakmesh.node.net.ListenerEvents;
import io.cloakmesh.node.rediscluster.TopologyEntry;
import io.cloakmesh.node.rediscluster.TopologyView;
import io.cloakmesh.node.rediscluster.TopologyWatcher;
import io.cloakmesh.protocol.rediscluster.Endpoint;
import io.cloakmesh.protocol.rediscluster.EndpointAllocator;
import io.cloakmesh.protocol.rediscluster.EndpointSource;
import io.cloakmesh.protocol.rediscluster.RedisNode;
import io.cloakmesh.protocol.rediscluster.RedisTopology;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.function.BiFunction;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.apache.pekko.stream.javadsl.BidiFlow;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An imported Redis Cluster on an entry node: the seed endpoint (any healthy node) and one endpoint per
 * node of the remote cluster, kept in step with its topology. It is also the {@link EndpointSource} the
 * connections' reply rewriting reads: a node's endpoint is handed to clients only once it is listening.
 */
final class RedisClusterImport implements ImportedService, EndpointSource {
    private static final Logger LOG = LoggerFactory.getLogger(RedisClusterImport.class);
    /** How long a refresh waits for the receptionist and then for an exporter's fresh reading. */
    private static final Duration ASK_TIMEOUT = Duration.ofSeconds(3);

    private final ImportSettings settings;
    private final NodeEndpoints range;
    private final ActorSystem<?> system;
    private final EntryStack entry;
    private final BiFunction<RedisClusterImport, Endpoint, BidiFlow<ByteString, ByteString, ByteString, ByteString, NotUsed>> stages;
    private final ListenerEvents events;
    private final TopologyView view;
    private final EndpointAllocator allocator;
    private final Consumer<TopologyEntry> onTopology = this::onTopology;
    /** Node endpoints being bound or listening, by node id. */
    private final Map<String, CompletableFuture<ServiceImport>> listeners = new ConcurrentHashMap<>();
    /** Endpoints that listen: the only ones given to clients. */
    private final Map<String, Endpoint> listening = new ConcurrentHashMap<>();
    private volatile RedisTopology topology = new RedisTopology(List.of());
    private volatile ServiceImport seed;
    private volatile boolean stopped;
    private CompletableFuture<Done> refreshing = CompletableFuture.completedFuture(Done.getInstance());

    private RedisClusterImport(ImportSettings settings, EntryStack entry,
            BiFunction<RedisClusterImport, Endpoint, BidiFlow<ByteString, ByteString, ByteString, ByteString, NotUsed>> stages) {
        this.settings = settings;
        this.range = settings.details(NodeEndpoints.class);
        this.system = entry.system();
        this.entry = entry;
        this.stages = stages;
        this.events = entry.events();
        this.view = entry.topologies();
        this.allocator = new EndpointAllocator(range.host(), range.firstPort(), range.lastPort(), range.grace(), System::nanoTime);
    }

    /**
     * @param stages the kind's entry stages for one client connection, reading endpoints from here, given
     *     the endpoint the client connected to
     */
    static CompletionStage<RedisClusterImport> start(ImportSettings settings, EntryStack entry,
            BiFunction<RedisClusterImport, Endpoint, BidiFlow<ByteString, ByteString, ByteString, ByteString, NotUsed>> stages) {
        RedisClusterImport imported = new RedisClusterImport(settings, entry, stages);
        ServiceImport.Route seedRoute = new ServiceImport.Route(settings, Optional.empty(), "import " + settings.name(),
                new ServiceCounters(settings.name(), "import"), () -> stages.apply(imported, imported.seedEndpoint()), () -> { });
        return ServiceImport.start(seedRoute, settings.listen(), entry)
                .thenApply(seed -> {
                    imported.seed = seed;
                    imported.view.listen(imported.onTopology);
                    imported.view.of(settings.name()).ifPresent(imported::onTopology);
                    return imported;
                });
    }

    @Override
    public String name() {
        return settings.name();
    }

    @Override
    public InetSocketAddress localAddress() {
        return seed.localAddress();
    }

    /** Each node's endpoint on this entry, by node id, once it listens. */
    @Override
    public Map<String, Endpoint> nodeEndpoints() {
        return new TreeMap<>(listening);
    }

    /** The seed listener's address, as an endpoint: a client that connected there reached whichever node the exit chose. */
    private Endpoint seedEndpoint() {
        return new Endpoint(seed.localAddress().getHostString(), seed.localAddress().getPort());
    }

    /**
     * Whether the cluster's exporters let scripts and functions run through the mesh (export setting
     * allow-scripts, carried with the newest topology reading); false until a reading has come.
     */
    public boolean scriptsAllowed() {
        return view.of(name()).map(TopologyEntry::scriptsAllowed).orElse(false);
    }

    @Override
    public Optional<Endpoint> endpointOf(String nodeId) {
        return Optional.ofNullable(listening.get(nodeId));
    }

    @Override
    public Optional<String> nodeAt(String host, int port) {
        boolean anyHost = host.isEmpty() || host.equals("?");
        for (RedisNode n : topology.nodes()) {
            boolean portMatches = port != 0 && (port == n.port() || port == n.tlsPort());
            if (portMatches && (anyHost || host.equals(n.ip()) || host.equals(n.hostname()))) {
                return Optional.of(n.id());
            }
        }
        return Optional.empty();
    }

    /** Asks an exporter to read the cluster now; one refresh at a time, later askers share it. */
    @Override
    public synchronized CompletionStage<?> refresh(String node) {
        if (!refreshing.isDone()) {
            return refreshing;
        }
        LOG.info("import {}: a reply names {}, which has no endpoint here: reading the topology again", name(),
                node.length() > 40 ? node.substring(0, 40) : node);
        refreshing = fresherReading()
                .thenCompose(entry -> {
                    view.offer(entry);
                    return apply(view.of(name()).orElse(entry).topology());
                })
                .exceptionally(failure -> {
                    LOG.warn("import {}: topology refresh failed: {}", name(), Failures.rootMessage(failure));
                    return Done.getInstance();
                })
                .toCompletableFuture();
        return refreshing;
    }

    /** A reading taken now by one of the cluster's exporters (any: each reads the same cluster). */
    private CompletionStage<TopologyEntry> fresherReading() {
        ServiceKey<TopologyWatcher.Command> key = TopologyWatcher.key(name());
        return AskPattern.<Receptionist.Command, Receptionist.Listing>ask(system.receptionist(),
                        reply -> Receptionist.find(key, reply), ASK_TIMEOUT, system.scheduler())
                .thenCompose(listing -> {
                    List<ActorRef<TopologyWatcher.Command>> watchers = new ArrayList<>(listing.getServiceInstances(key));
                    if (watchers.isEmpty()) {
                        return CompletableFuture.failedFuture(new IllegalStateException("no exporter of " + name()
                                + " is known"));
                    }
                    ActorRef<TopologyWatcher.Command> watcher = watchers.get(ThreadLocalRandom.current().nextInt(watchers.size()));
                    return AskPattern.<TopologyWatcher.Command, TopologyEntry>ask(watcher, TopologyWatcher.Refresh::new,
                            ASK_TIMEOUT, system.scheduler());
                });
    }

    private void onTopology(TopologyEntry entry) {
        if (entry.service().equals(name())) {
            apply(entry.topology());
        }
    }

    /** Gives new nodes endpoints and closes those whose grace has passed; completes once all listen. */
    private synchronized CompletionStage<Done> apply(RedisTopology next) {
        if (stopped) {
            return CompletableFuture.completedFuture(Done.getInstance());
        }
        topology = next;
        EndpointAllocator.Allocation allocation = allocator.update(next.nodes().stream().map(RedisNode::id).toList());
        if (!allocation.unallocated().isEmpty()) {
            LOG.error("import {}: node-ports {}-{} is full: {} node(s) of the cluster have no endpoint here (clients "
                    + "redirected to them get an error): widen cloakmesh.imports.{}.node-ports", name(), range.firstPort(),
                    range.lastPort(), allocation.unallocated().size(), name());
            events.count("import " + name(), "node-ports-full");
        }
        List<CompletableFuture<ServiceImport>> binding = new ArrayList<>();
        allocation.endpoints().forEach((id, endpoint) -> {
            if (!listeners.containsKey(id)) {
                CompletableFuture<ServiceImport> bound = bindNode(id, endpoint);
                listeners.put(id, bound);
                binding.add(bound);
            } else {
                binding.add(listeners.get(id));
            }
        });
        for (String id : List.copyOf(listeners.keySet())) {
            if (!allocation.endpoints().containsKey(id)) {
                Endpoint gone = listening.remove(id);
                LOG.info("import {}: node {} left the cluster over {} s ago: endpoint {} closed", name(), id,
                        range.grace().toSeconds(), gone == null ? "(never bound)" : gone.text());
                listeners.remove(id).thenAccept(ServiceImport::unbind);
            }
        }
        return CompletableFuture.allOf(binding.stream().map(f -> f.exceptionally(e -> null)).toArray(CompletableFuture[]::new))
                .thenApply(x -> Done.getInstance());
    }

    private CompletableFuture<ServiceImport> bindNode(String id, Endpoint endpoint) {
        String label = "import " + name() + " node " + endpoint.text();
        ServiceImport.Route route = new ServiceImport.Route(settings, Optional.of(id), label,
                new ServiceCounters(name() + "/" + endpoint.text(), "import"),
                () -> stages.apply(this, endpoint), () -> refresh(id));
        return ServiceImport.start(route, new HostPort(endpoint.host(), endpoint.port()), entry)
                .whenComplete((bound, failure) -> {
                    if (failure != null) {
                        LOG.error("import {}: cannot listen on {} for node {}: {}", name(), endpoint.text(), id,
                                Failures.rootMessage(failure));
                    } else {
                        LOG.info("import {}: node {} at endpoint {}", name(), id, endpoint.text());
                        listening.put(id, endpoint);
                    }
                })
                .toCompletableFuture();
    }

    @Override
    public List<ServiceCounters.Snapshot> counters() {
        List<ServiceCounters.Snapshot> all = new ArrayList<>();
        all.add(seed.counters.snapshot());
        listeners.values().forEach(f -> {
            ServiceImport node = f.getNow(null);
            if (node != null) {
                all.add(node.counters.snapshot());
            }
        });
        return all;
    }

    @Override
    public synchronized CompletionStage<Done> unbind() {
        stopped = true;
        view.unlisten(onTopology);
        List<CompletableFuture<Done>> unbinds = new ArrayList<>();
        unbinds.add(seed.unbind().toCompletableFuture());
        listeners.values().forEach(f -> unbinds.add(f.thenCompose(ServiceImport::unbind).toCompletableFuture()
                .exceptionally(e -> Done.getInstance())));
        listening.clear();
        return CompletableFuture.allOf(unbinds.toArray(CompletableFuture[]::new)).thenApply(x -> Done.getInstance());
    }

    @Override
    public CompletionStage<Done> whenIdle() {
        List<CompletableFuture<Done>> idle = new ArrayList<>();
        idle.add(seed.whenIdle().toCompletableFuture());
        listeners.values().forEach(f -> idle.add(f.thenCompose(ServiceImport::whenIdle).toCompletableFuture()
                .exceptionally(e -> Done.getInstance())));
        return CompletableFuture.allOf(idle.toArray(CompletableFuture[]::new)).thenApply(x -> Done.getInstance());
    }
}
