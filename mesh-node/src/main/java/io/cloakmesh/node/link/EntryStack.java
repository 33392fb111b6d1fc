package io.cloakmesh.node.link;

import io.cloakmesh.node.config.ImportSettings;
import io.cloakmesh.node.config.LinkSettings;
import io.cloakmesh.node.net.ListenerEvents;
import io.cloakmesh.node.rediscluster.TopologyView;
import io.cloakmesh.node.routing.ExportRow;
import io.cloakmesh.node.routing.RouteView;
import io.cloakmesh.node.tls.ReloadingTls;
import io.cloakmesh.node.tls.TlsStage;
import io.cloakmesh.node.transport.SocketOptions;
import io.cloakmesh.node.transport.Transports;
import io.cloakmesh.protocol.link.EntryGate;
import io.cloakmesh.protocol.link.LinkFailover;
import io.cloakmesh.protocol.link.OpenReply;
import io.cloakmesh.protocol.link.OpenRequest;
import java.net.InetSocketAddress;
import java.util.Collection;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.SharedKillSwitch;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.util.ByteString;

/**
 * How a client connection on an entry node is assembled, in this one place (as Netty's
 * {@code HexDumpProxyInitializer} assembles a pipeline):
 * <pre>
 * client ⇄ kill switch ⇄ the kind's entry stages ⇄ counters ⇄ LinkFailover ⇄ EntryGate ⇄ wire
 * </pre>
 * where each failover attempt's wire is a warm link ({@link WarmLinks}) or a new one, both dialled by
 * {@link #wire}: the pipe's client over a TCP connection to the exit. The top row carries client bytes
 * toward the service, the bottom row its replies back. The kind's stages come from its
 * {@link ServiceKind}; a new stage for every connection (TLS toward clients) goes in here.
 */
final class EntryStack {
    private final ActorSystem<?> system;
    private final LinkSettings link;
    private final LinkSecurity security;
    private final SharedKillSwitch killSwitch;
    private final LiveConnections live;
    private final ListenerEvents events;
    private final TopologyView topologies;
    private final WarmLinks warm;
    private final LinkDialer dialer;

    /** @param imports what the node imports now: the services warm links are kept for */
    EntryStack(ActorSystem<?> system, LinkSettings link, LinkSecurity security, RouteView routes, SharedKillSwitch killSwitch,
            LiveConnections live, ListenerEvents events, TopologyView topologies, Supplier<Collection<ImportSettings>> imports) {
        this.system = system;
        this.link = link;
        this.security = security;
        this.killSwitch = killSwitch;
        this.live = live;
        this.events = events;
        this.topologies = topologies;
        this.warm = new WarmLinks(system, routes, link, this::wire, imports);
        this.dialer = new LinkDialer(routes, link, warm, this);
    }

    ActorSystem<?> system() {
        return system;
    }

    LiveConnections live() {
        return live;
    }

    ListenerEvents events() {
        return events;
    }

    TopologyView topologies() {
        return topologies;
    }

    WarmLinks warm() {
        return warm;
    }

    /**
     * The TLS handshake of one client of a TLS import: {@code done} completes once the client has finished
     * it (with a certificate of the import's CA where auth-clients asks for one) and fails with the reason
     * it did not; {@code admitted} then gives the connection its place under max-connections.
     */
    record ClientHandshake(ReloadingTls tls, CompletableFuture<Done> done, Supplier<CompletionStage<Done>> admitted) {
    }

    /**
     * One client connection of {@code route}, whole; it completes when both directions have ended (either
     * may end first, a half-close, while the other still carries data). Over TLS, nothing behind the TLS
     * stage (no link, no warm link taken) exists before the client's handshake is done and admitted.
     */
    Flow<ByteString, ByteString, CompletionStage<Done>> client(ServiceImport.Route route, LiveConnections.Live view,
            Optional<ClientHandshake> tls) {
        ImportSettings settings = route.settings();
        Flow<ByteString, ByteString, NotUsed> failover = LinkFailover.create(dialer.attempts(
                new OpenRequest(settings.name(), route.node()), settings.datacenter(), route.counters(), route.unknownNode(),
                view), link.openTimeout());
        Flow<ByteString, ByteString, CompletionStage<Done>> plain = Flow.of(ByteString.class)
                .watchTermination((mat, towardService) -> towardService)
                .via(killSwitch.flow())
                .via(route.stages().get().join(route.counters().counting(failover, view)))
                .watchTermination((towardService, towardClient) -> CompletableFuture.allOf(
                                towardService.toCompletableFuture(), towardClient.toCompletableFuture())
                        .thenApply(x -> Done.getInstance()));
        return tls.map(handshake -> TlsStage.of(() -> handshake.tls().current().serverEngine(),
                                session -> handshake.done().complete(Done.getInstance()), handshake.done()::completeExceptionally)
                        .reversed()
                        .join(Flow.completionStageFlow(handshake.done().thenCompose(ok -> handshake.admitted().get())
                                .thenApply(ok -> plain)), Keep.right())
                        .mapMaterializedValue(service -> service.thenCompose(ended -> ended)))
                .orElse(plain);
    }

    /** One failover attempt: the open exchange, then the client's bytes, over {@code wire}. */
    Flow<ByteString, ByteString, CompletionStage<OpenReply>> attempt(OpenRequest request, Flow<ByteString, ByteString, ?> wire) {
        return EntryGate.create(request).join(wire);
    }

    /**
     * The one way a link is dialled, for a client now or to keep warm: the pipe's client over a new
     * TCP connection to the exit. It materializes when the exit's side ends (a warm link the exit closed
     * must leave its pool at once).
     *
     * @param authenticated completes when the pipe's handshake has
     */
    Flow<ByteString, ByteString, CompletionStage<Done>> wire(ExportRow exit, CompletableFuture<Done> authenticated) {
        return security.entry(exit, authenticated)
                .join(Transports.of(system).connect(InetSocketAddress.createUnresolved(exit.linkHost(), exit.linkPort()),
                        Optional.empty(), SocketOptions.DEFAULT, link.connectTimeout()))
                .watchTermination(Keep.right());
    }
}
