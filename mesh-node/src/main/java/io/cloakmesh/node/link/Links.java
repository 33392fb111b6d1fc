package io.cloakmesh.node.link;

import io.cloakmesh.crypto.SharedKey;
import io.cloakmesh.node.config.ExportSettings;
import io.cloakmesh.node.config.HostPort;
import io.cloakmesh.node.config.ImportSettings;
import io.cloakmesh.node.config.MeshSettings;
import io.cloakmesh.node.net.ListenerEvents;
import io.cloakmesh.node.rediscluster.TopologyView;
import io.cloakmesh.node.rediscluster.TopologyWatcher;
import io.cloakmesh.node.routing.CborSerializable;
import io.cloakmesh.node.routing.ExportRow;
import io.cloakmesh.node.routing.ExportState;
import io.cloakmesh.node.routing.RouteView;
import io.cloakmesh.node.routing.RoutingTable;
import io.cloakmesh.node.tls.ReloadingTls;
import io.cloakmesh.protocol.pipe.PipeSettings;
import io.cloakmesh.protocol.rediscluster.Endpoint;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.SharedKillSwitch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * All of a node's link endpoints: the exit's link listener (if it exports), one listener per import,
 * and the exports the listener serves. Imports and exports can be replaced at run time ({@link #reload})
 * without touching the connections of those that did not change.
 */
public final class Links {
    private static final Logger LOG = LoggerFactory.getLogger(Links.class);

    /**
     * What links are secured with: in psk mode the pipe's settings (the mesh keys), in tls mode the
     * node's mesh certificate material and the names of the mesh's members now.
     */
    public record LinkMaterial(Optional<PipeSettings> pipe, Optional<ReloadingTls> tls, Supplier<Set<String>> members) {
    }

    /** What a reload changed; names of services per kind of change. */
    public record ReloadResult(List<String> importsAdded, List<String> importsRemoved, List<String> importsChanged,
            List<String> exportsAdded, List<String> exportsRemoved, List<String> exportsChanged, List<String> linkChanged)
            implements CborSerializable {
    }

    private final ServiceKinds kinds;
    private final EntryStack entry;
    private final ServiceKind.Exit exitContext;
    private final SharedKillSwitch killSwitch;
    private final LiveConnections live = new LiveConnections();
    private final Map<String, ImportedService> imports = new ConcurrentHashMap<>();
    private final Map<String, ServiceExport> exports = new ConcurrentHashMap<>();
    private volatile Optional<LinkListener> exit = Optional.empty();
    /** In psk mode, the pipe's settings for links dialled or accepted from now on; a reload may change the keys. */
    private volatile PipeSettings pipe;
    private final LinkSecurity security;
    private final LinkHandshakes handshakes = new LinkHandshakes();

    /** What this node imports now: the services warm links are kept for. */
    private volatile java.util.Collection<ImportSettings> importing;

    private Links(ActorSystem<?> system, ServiceKinds kinds, MeshSettings settings, RouteView routes, LinkMaterial material,
            SharedKillSwitch killSwitch, ListenerEvents events, TopologyView topologies, TopologyWatcher.Self self) {
        this.kinds = kinds;
        this.pipe = material.pipe().orElse(null);
        this.security = material.tls().isPresent() ? LinkSecurity.tls(material.tls().get(), material.members(), handshakes)
                : LinkSecurity.psk(() -> this.pipe);
        this.importing = settings.imports().values();
        this.entry = new EntryStack(system, settings.link(), security, routes, killSwitch, live, events, topologies,
                () -> importing);
        this.exitContext = new ServiceKind.Exit(system, topologies, self);
        this.killSwitch = killSwitch;
    }

    /** Binds every listener; fails with the first that cannot bind (the caller then stops the system). */
    public static CompletionStage<Links> start(ActorSystem<?> system, ServiceKinds kinds, MeshSettings settings,
            RouteView routes, TopologyView topologies, LinkMaterial material, ListenerEvents events) {
        String member = RoutingTable.memberId(Cluster.get(system).selfMember().uniqueAddress());
        Links links = new Links(system, kinds, settings, routes, material, KillSwitches.shared("mesh-connections"), events,
                topologies,
                new TopologyWatcher.Self(settings.nodeName(), member, settings.datacenter()));
        settings.exports().values().forEach(e -> links.exports.put(e.name(), links.export(e)));
        CompletionStage<Done> exit = settings.link().listen()
                .map(listen -> LinkListener.start(system, links.security, links.exports::get,
                                new InetSocketAddress(listen.host(), listen.port()), settings.link().maxLinks(),
                                settings.link().maxHandshakes(), settings.link().warmIdle(), links.killSwitch, links.live, events)
                        .handle((listener, failure) -> {
                            if (failure != null) {
                                throw new ListenFailure("cloakmesh.link.listen", listen, failure);
                            }
                            links.exit = Optional.of(listener);
                            return Done.getInstance();
                        }))
                .orElse(CompletableFuture.completedFuture(Done.getInstance()));
        return exit.thenCompose(done -> links.startImports(settings.imports().values())).thenApply(done -> {
            links.entry.warm().start();
            return links;
        });
    }

    private CompletionStage<Done> startImports(java.util.Collection<ImportSettings> wanted) {
        List<CompletableFuture<ImportedService>> started = new ArrayList<>();
        wanted.forEach(i -> {
            started.add(kinds.of(i.kind()).startImport(i, entry).toCompletableFuture().handle((imported, failure) -> {
                if (failure != null) {
                    throw ListenFailure.unlessTls("cloakmesh.imports." + i.name() + ".listen", i.listen(), failure);
                }
                imports.put(i.name(), imported);
                return imported;
            }));
        });
        return CompletableFuture.allOf(started.toArray(CompletableFuture[]::new)).thenApply(x -> Done.getInstance());
    }

    private ServiceExport export(ExportSettings settings) {
        return kinds.of(settings.kind()).export(settings, exitContext);
    }

    private static void stop(ServiceExport export) {
        export.stop();
    }

    /**
     * Replaces imports and exports with those of {@code next}. An import whose settings changed is
     * unbound and bound again; a removed import stops accepting but its open connections carry on. An
     * export's open links keep the target connection they have.
     */
    public CompletionStage<ReloadResult> reload(MeshSettings current, MeshSettings next) {
        List<String> importsAdded = new ArrayList<>();
        List<String> importsRemoved = new ArrayList<>();
        List<String> importsChanged = new ArrayList<>();
        List<CompletableFuture<Done>> unbinds = new ArrayList<>();
        List<ImportSettings> toStart = new ArrayList<>();
        for (ImportSettings old : current.imports().values()) {
            ImportSettings wanted = next.imports().get(old.name());
            if (wanted == null || !wanted.equals(old)) {
                (wanted == null ? importsRemoved : importsChanged).add(old.name());
                ImportedService running = imports.remove(old.name());
                if (running != null) {
                    unbinds.add(running.unbind().toCompletableFuture());
                }
                if (wanted != null) {
                    toStart.add(wanted);
                }
            }
        }
        for (ImportSettings wanted : next.imports().values()) {
            if (!current.imports().containsKey(wanted.name())) {
                importsAdded.add(wanted.name());
                toStart.add(wanted);
            }
        }
        List<String> exportsAdded = new ArrayList<>();
        List<String> exportsRemoved = new ArrayList<>();
        List<String> exportsChanged = new ArrayList<>();
        for (ExportSettings old : current.exports().values()) {
            ExportSettings wanted = next.exports().get(old.name());
            if (wanted == null) {
                exportsRemoved.add(old.name());
                stop(exports.remove(old.name()));
            } else if (!wanted.equals(old)) {
                exportsChanged.add(old.name());
                ServiceExport running = exports.get(old.name());
                if (onlyRulesChanged(old, wanted) && running.filter().isPresent()) {
                    // In place, so open connections judge their next command by the new rules too.
                    running.filter().get().replace(wanted.filter().orElseThrow(), "configuration file, reloaded");
                } else {
                    stop(exports.put(old.name(), export(wanted)));
                }
            }
        }
        for (ExportSettings wanted : next.exports().values()) {
            if (!current.exports().containsKey(wanted.name())) {
                exportsAdded.add(wanted.name());
                exports.put(wanted.name(), export(wanted));
            }
        }
        importing = next.imports().values();
        List<String> linkChanged = new ArrayList<>();
        if (pipe != null && !sameKeys(current.link().keys(), next.link().keys())) {
            // New links from now on; open and warm ones keep the session they have.
            pipe = new PipeSettings(next.link().keys(), pipe.mode(), pipe.handshakeTimeout());
            linkChanged.add("mesh keys: " + next.link().keys().size() + " accepted, links dialled with the first");
        }
        ReloadResult result = new ReloadResult(importsAdded, importsRemoved, importsChanged, exportsAdded, exportsRemoved,
                exportsChanged, linkChanged);
        LOG.info("reload: {}", result);
        return CompletableFuture.allOf(unbinds.toArray(CompletableFuture[]::new))
                .thenCompose(x -> startImports(toStart))
                .thenApply(done -> result);
    }

    private static boolean sameKeys(List<SharedKey> a, List<SharedKey> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (!java.security.MessageDigest.isEqual(a.get(i).bytes(), b.get(i).bytes())) {
                return false;
            }
        }
        return true;
    }

    private static boolean onlyRulesChanged(ExportSettings old, ExportSettings wanted) {
        return old.filter().isPresent() && wanted.filter().isPresent() && wanted.equals(old.withFilter(wanted.filter()));
    }

    /** The command filter of an export of this node, if it exports {@code service} with one. */
    public Optional<ExportFilter> filter(String service) {
        return Optional.ofNullable(exports.get(service)).flatMap(ServiceExport::filter);
    }

    /** Whether this node exports {@code service}. */
    public boolean exports(String service) {
        return exports.containsKey(service);
    }

    /** This node's rows for the services table: one per export, at the link address entries should use. */
    public List<ExportRow> exportRows(MeshSettings settings, String member) {
        Optional<LinkListener> listener = exit;
        if (listener.isEmpty()) {
            return List.of();
        }
        HostPort advertise = settings.link().advertise().orElseGet(() ->
                new HostPort(settings.link().listen().orElseThrow().host(), listener.get().localAddress().getPort()));
        return exports.keySet().stream().sorted()
                .map(service -> new ExportRow(service, settings.nodeName(), member, settings.datacenter(),
                        advertise.host(), advertise.port(), ExportState.ACTIVE, 0))
                .toList();
    }

    /** Open links of an exported service, the load published in the routing table. */
    public int openLinks(String service) {
        ServiceExport export = exports.get(service);
        return export == null ? 0 : export.counters.active();
    }

    public boolean hasLinkListener() {
        return exit.isPresent();
    }

    public boolean draining() {
        return exit.map(LinkListener::draining).orElse(false);
    }

    public void setDraining(boolean draining) {
        exit.ifPresent(l -> l.setDraining(draining));
    }

    public Optional<InetSocketAddress> linkAddress() {
        return exit.map(LinkListener::localAddress);
    }

    public Map<String, InetSocketAddress> importAddresses() {
        return new TreeMap<>(imports.values().stream()
                .collect(Collectors.toMap(ImportedService::name, ImportedService::localAddress)));
    }

    /** For each import whose remote nodes have endpoints here (a Redis Cluster): those endpoints, by node id. */
    public Map<String, Map<String, Endpoint>> nodeEndpoints() {
        Map<String, Map<String, Endpoint>> all = new TreeMap<>();
        imports.values().forEach(i -> {
            Map<String, Endpoint> endpoints = i.nodeEndpoints();
            if (!endpoints.isEmpty()) {
                all.put(i.name(), endpoints);
            }
        });
        return all;
    }

    public List<ServiceCounters.Snapshot> counters() {
        List<ServiceCounters.Snapshot> all = new ArrayList<>();
        imports.values().forEach(i -> all.addAll(i.counters()));
        exports.values().forEach(e -> all.add(e.counters.snapshot()));
        return all;
    }

    /** How the TLS link handshakes went, full or resumed (none in psk mode). */
    public LinkHandshakes.Snapshot handshakes() {
        return handshakes.snapshot();
    }

    public List<LiveConnections.View> connections() {
        return live.views();
    }

    public CompletionStage<Done> unbind() {
        entry.warm().stop();
        List<CompletableFuture<Done>> unbinds = new ArrayList<>();
        exit.ifPresent(l -> unbinds.add(l.unbind().toCompletableFuture()));
        imports.values().forEach(i -> unbinds.add(i.unbind().toCompletableFuture()));
        return CompletableFuture.allOf(unbinds.toArray(CompletableFuture[]::new)).thenApply(x -> Done.getInstance());
    }

    /** Waits for every client connection and link to end; after {@code deadline} closes what is left. */
    public CompletionStage<Done> whenIdle(Duration deadline) {
        List<CompletableFuture<Done>> idle = new ArrayList<>();
        exit.ifPresent(l -> idle.add(l.whenIdle().toCompletableFuture()));
        imports.values().forEach(i -> idle.add(i.whenIdle().toCompletableFuture()));
        LOG.info("waiting up to {} s for {} open connection(s) and link(s) to finish", deadline.toSeconds(),
                live.views().size());
        return CompletableFuture.allOf(idle.toArray(CompletableFuture[]::new))
                .orTimeout(deadline.toMillis(), TimeUnit.MILLISECONDS)
                .handle((ok, timeout) -> {
                    if (timeout != null) {
                        LOG.warn("drain deadline of {} s passed; closing the connections still open", deadline.toSeconds());
                        killSwitch.abort(new IllegalStateException("node shutting down: drain deadline passed"));
                    }
                    return Done.getInstance();
                });
    }

    /** One line for the start-up log. */
    public String describe() {
        String exitPart = exit.map(l -> "links on " + l.localAddress().getPort() + " for " + new TreeMap<>(exports).keySet())
                .orElse("no link listener");
        String importPart = imports.isEmpty() ? "no imports" : importAddresses().entrySet().stream()
                .map(i -> i.getKey() + " on " + i.getValue().getPort()).collect(Collectors.joining(", ", "imports ", ""));
        return exitPart + ", " + importPart;
    }
}
