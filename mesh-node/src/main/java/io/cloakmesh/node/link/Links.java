package io.cloakmesh.node.link;

import io.cloakmesh.node.config.HostPort;
import io.cloakmesh.node.config.MeshSettings;
import io.cloakmesh.node.routing.ExporterEntry;
import io.cloakmesh.node.routing.ExporterState;
import io.cloakmesh.node.routing.RouteView;
import io.cloakmesh.protocol.pipe.PipeSettings;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.SharedKillSwitch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** All of a node's link endpoints: the exit's link listener (if it exports) and one listener per import. */
public final class Links {
    private static final Logger LOG = LoggerFactory.getLogger(Links.class);

    private final Map<String, ServiceExport> exports;
    private final Optional<LinkListener> exit;
    private final List<ServiceImport> imports;
    private final SharedKillSwitch killSwitch;

    private Links(Map<String, ServiceExport> exports, Optional<LinkListener> exit, List<ServiceImport> imports,
            SharedKillSwitch killSwitch) {
        this.exports = exports;
        this.exit = exit;
        this.imports = imports;
        this.killSwitch = killSwitch;
    }

    /** Binds every listener; fails with the first that cannot bind (the caller then stops the system). */
    public static CompletionStage<Links> start(ActorSystem<?> system, MeshSettings settings, RouteView routes,
            PipeSettings pipe) {
        SharedKillSwitch killSwitch = KillSwitches.shared("mesh-connections");
        Map<String, ServiceExport> exports = settings.exports().values().stream()
                .collect(Collectors.toUnmodifiableMap(MeshSettings.ExportSettings::name, e -> new ServiceExport(e, system)));
        CompletionStage<Optional<LinkListener>> exit = settings.link().listen()
                .map(listen -> LinkListener.start(system, pipe, exports.values(),
                                new InetSocketAddress(listen.host(), listen.port()), settings.link().maxLinks(), killSwitch)
                        .thenApply(Optional::of))
                .orElse(CompletableFuture.completedFuture(Optional.empty()));
        LinkDialer dialer = new LinkDialer(system, routes, settings.link(), pipe);
        List<CompletableFuture<ServiceImport>> imports = new ArrayList<>();
        settings.imports().values().forEach(i -> imports.add(ServiceImport.start(i, system, dialer, killSwitch).toCompletableFuture()));
        return exit.thenCompose(listener -> CompletableFuture.allOf(imports.toArray(CompletableFuture[]::new))
                .thenApply(x -> new Links(exports, listener, imports.stream().map(CompletableFuture::join).toList(), killSwitch)));
    }

    /** This node's rows for the services table: one per export, at the link address entries should use. */
    public List<ExporterEntry> exporterEntries(MeshSettings settings, String member) {
        if (exit.isEmpty()) {
            return List.of();
        }
        HostPort advertise = settings.link().advertise().orElseGet(() ->
                new HostPort(settings.link().listen().orElseThrow().host(), exit.get().localAddress().getPort()));
        return exports.keySet().stream().sorted()
                .map(service -> new ExporterEntry(service, settings.nodeName(), member, settings.datacenter(),
                        advertise.host(), advertise.port(), ExporterState.ACTIVE, 0))
                .toList();
    }

    /** Open links of an exported service, the load published in the routing table. */
    public int openLinks(String service) {
        ServiceExport export = exports.get(service);
        return export == null ? 0 : export.counters.active();
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
        return imports.stream().collect(Collectors.toUnmodifiableMap(ServiceImport::name, ServiceImport::localAddress));
    }

    public List<ServiceCounters.Snapshot> counters() {
        List<ServiceCounters.Snapshot> all = new ArrayList<>();
        imports.forEach(i -> all.add(i.counters.snapshot()));
        exports.values().forEach(e -> all.add(e.counters.snapshot()));
        return all;
    }

    public CompletionStage<Done> unbind() {
        List<CompletableFuture<Done>> unbinds = new ArrayList<>();
        exit.ifPresent(l -> unbinds.add(l.unbind().toCompletableFuture()));
        imports.forEach(i -> unbinds.add(i.unbind().toCompletableFuture()));
        return CompletableFuture.allOf(unbinds.toArray(CompletableFuture[]::new)).thenApply(x -> Done.getInstance());
    }

    /** Waits for every client connection and link to end; after {@code deadline} closes what is left. */
    public CompletionStage<Done> whenIdle(Duration deadline) {
        List<CompletableFuture<Done>> idle = new ArrayList<>();
        exit.ifPresent(l -> idle.add(l.whenIdle().toCompletableFuture()));
        imports.forEach(i -> idle.add(i.whenIdle().toCompletableFuture()));
        int open = exit.map(LinkListener::openLinks).orElse(0);
        LOG.info("waiting up to {} s for open connections to finish ({} link(s) as exit)", deadline.toSeconds(), open);
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
        String exitPart = exit.map(l -> "links on " + l.localAddress().getPort() + " for " + exports.keySet())
                .orElse("no link listener");
        String importPart = imports.isEmpty() ? "no imports" : imports.stream()
                .map(i -> i.name() + " on " + i.localAddress().getPort()).collect(Collectors.joining(", ", "imports ", ""));
        return exitPart + ", " + importPart;
    }
}
