package io.cloakmesh.node.link;

import io.cloakmesh.node.logging.LogRateLimit;
import io.cloakmesh.node.net.Failures;
import io.cloakmesh.node.net.HandshakeBudget;
import io.cloakmesh.node.net.Listener;
import io.cloakmesh.node.net.ListenerEvents;
import io.cloakmesh.node.transport.SocketOptions;
import io.cloakmesh.node.transport.Transport;
import io.cloakmesh.protocol.link.OpenReply;
import io.cloakmesh.protocol.link.OpenRequest;
import io.cloakmesh.protocol.link.OpenStatus;
import io.cloakmesh.protocol.pipe.PipeFailure;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.SharedKillSwitch;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The exit's side of links: accepts links from entry nodes (each assembled by {@link ExitStack}), and
 * answers their open requests, connecting the named service's target first so that "OK" means bytes
 * can flow. A link may wait for its request (an entry's warm link) for twice
 * {@code link.warm-idle}. While draining, opens are refused and links waiting for a request are closed.
 */
public final class LinkListener {
    private static final Logger LOG = LoggerFactory.getLogger(LinkListener.class);
    private static final Flow<ByteString, ByteString, NotUsed> REFUSED =
            Flow.fromSinkAndSource(Sink.ignore(), Source.never());

    private final ActorSystem<?> system;
    private final LinkSecurity security;
    /** How long an accepted connection may take to prove it is an entry of the mesh. */
    private static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);
    private final Function<String, ServiceExport> exports;
    private final int maxLinks;
    private final HandshakeBudget handshakes;
    private final LogRateLimit strangers = new LogRateLimit(20, Duration.ofSeconds(10));
    /** Links past the handshake, waiting for a request or open: what max-links limits. */
    private final AtomicInteger links = new AtomicInteger();
    /** Links past the handshake that have not asked for anything yet (warm links), to close on drain. */
    private final Set<SharedKillSwitch> unasked = ConcurrentHashMap.newKeySet();
    private final Duration maxWait;
    private final SharedKillSwitch killSwitch;
    private final LiveConnections live;
    private final AtomicBoolean draining = new AtomicBoolean();
    private final ListenerEvents events;
    private volatile Listener listener;

    private LinkListener(ActorSystem<?> system, LinkSecurity security, Function<String, ServiceExport> exports, int maxLinks,
            int maxHandshakes, Duration warmIdle, SharedKillSwitch killSwitch, LiveConnections live, ListenerEvents events) {
        this.system = system;
        this.maxWait = warmIdle.multipliedBy(2);
        this.security = security;
        this.exports = exports;
        this.maxLinks = maxLinks;
        this.handshakes = new HandshakeBudget("link listener", maxHandshakes,
                () -> events.count("link", "handshake-budget"));
        this.killSwitch = killSwitch;
        this.live = live;
        this.events = events;
    }

    static CompletionStage<LinkListener> start(ActorSystem<?> system, LinkSecurity security,
            Function<String, ServiceExport> exports, InetSocketAddress listen, int maxLinks, int maxHandshakes,
            Duration warmIdle, SharedKillSwitch killSwitch, LiveConnections live, ListenerEvents events) {
        LinkListener listener = new LinkListener(system, security, exports, maxLinks, maxHandshakes, warmIdle, killSwitch,
                live, events);
        // Links beyond max-links are accepted and refused with OVERLOADED, so the entry fails over at once.
        return Listener.bind(system, "link listener", listen.getHostString(), listen.getPort(), SocketOptions.DEFAULT, 0,
                        Listener.Counting.FROM_ACCEPT, () -> events.count("link", "fd-limit"),
                        (connection, slot) -> listener.serve(connection, slot::closed))
                .thenApply(bound -> {
                    listener.listener = bound;
                    return listener;
                });
    }

    public InetSocketAddress localAddress() {
        return listener.localAddress();
    }

    public void setDraining(boolean value) {
        draining.set(value);
        if (value) {
            unasked.forEach(link -> closeUnasked(link, unasked));
        }
    }

    /** Closes a link that has asked for nothing, if it still has not: the entry sees its warm link end. */
    private static void closeUnasked(SharedKillSwitch link, Set<SharedKillSwitch> unasked) {
        if (unasked.remove(link)) {
            link.shutdown();
        }
    }

    public boolean draining() {
        return draining.get();
    }

    public CompletionStage<Done> unbind() {
        return listener.unbind();
    }

    public CompletionStage<Done> whenIdle() {
        return listener.whenIdle();
    }

    /**
     * One accepted link's target side. The target is connected while the link may already be gone (the
     * entry gave up), so attaching and ending are one lock apart: a target that arrives after the end is
     * closed at once and never counted.
     */
    private static final class LinkTarget {
        final CompletableFuture<Flow<ByteString, ByteString, NotUsed>> flow = new CompletableFuture<>();
        /** Where the target connection's stream runs: with the link's ({@code Incoming.colocated}). */
        final Attributes colocated;
        private Detached<?> connection;
        private Runnable uncount = () -> { };
        private boolean ended;

        LinkTarget(Attributes colocated) {
            this.colocated = colocated;
        }

        synchronized boolean attach(Detached<?> target, Supplier<Runnable> count) {
            if (ended) {
                return false;
            }
            connection = target;
            uncount = count.get();
            return true;
        }

        /**
         * The link has ended. After a clean end both directions to the target have closed and the target
         * connection ends by itself once its last bytes are written; otherwise it is torn down.
         */
        synchronized void end(boolean clean) {
            ended = true;
            flow.complete(REFUSED);
            if (connection != null && !clean) {
                connection.abort(new IllegalStateException("link closed"));
            }
            uncount.run();
        }
    }

    private void serve(Transport.Incoming connection, Runnable closed) {
        InetSocketAddress peer = connection.remoteAddress();
        LinkTarget target = new LinkTarget(connection.colocated());
        LiveConnections.Live linkView = live.register("", "export", peer.toString(), cause -> { });
        SharedKillSwitch thisLink = KillSwitches.shared("link");
        HandshakeBudget.Pending waiting = handshakes.admit(peer.getAddress(), () -> thisLink.abort(new PipeFailure(
                PipeFailure.Reason.HANDSHAKE_TIMEOUT, "closed to make room: link.max-handshakes unauthenticated "
                + "connections were waiting")));
        CompletableFuture<Done> authenticated = new CompletableFuture<>();
        authenticated.whenComplete((ok, failure) -> {
            waiting.done();
            if (failure != null) {
                if (!(Failures.rootCause(failure) instanceof PipeFailure p && p.reason() == PipeFailure.Reason.HANDSHAKE_TIMEOUT)) {
                    events.count("link", "handshake-failed");
                }
                // Anyone can connect and fail the handshake at will: those lines are rate-limited.
                thisLink.abort(failure);
                strangers.occurred(skipped -> LOG.warn("link from {} refused at the handshake: {}{}", peer, why(failure),
                        skipped > 0 ? " (" + skipped + " more unauthenticated connections dropped since the last line)" : ""));
            }
        });
        // The pipe has its own handshake timeout; this bounds any link security's (TLS) the same way.
        system.scheduler().scheduleOnce(HANDSHAKE_TIMEOUT, () -> {
            if (!authenticated.isDone()) {
                events.count("link", "handshake-timeout");
                thisLink.abort(new PipeFailure(PipeFailure.Reason.HANDSHAKE_TIMEOUT, "no handshake within "
                        + HANDSHAKE_TIMEOUT.toSeconds() + " s"));
            }
        }, system.executionContext());
        AtomicBoolean counted = new AtomicBoolean();
        authenticated.thenRun(() -> {
            // Past the handshake, asking for nothing yet: an entry's warm link, until its open request.
            linkView.service("(warm)");
            counted.set(true);
            links.incrementAndGet();
            unasked.add(thisLink);
            if (draining.get()) {
                closeUnasked(thisLink, unasked);
            } else {
                system.scheduler().scheduleOnce(maxWait, () -> closeUnasked(thisLink, unasked), system.executionContext());
            }
        });
        Flow<ByteString, ByteString, CompletionStage<Done>> handler = ExitStack.link(security.exit(authenticated), request -> {
            unasked.remove(thisLink);
            return decide(request, peer, target, linkView);
        }, target.flow, killSwitch, thisLink);
        connection.handleWith(handler).whenComplete((done, failure) -> {
            waiting.done();
            unasked.remove(thisLink);
            target.end(failure == null);
            if (counted.get()) {
                links.decrementAndGet();
            }
            if (failure != null) {
                if (authenticated.isDone() && !authenticated.isCompletedExceptionally()) {
                    LOG.warn("link from {} dropped: {}", peer, why(failure));
                } else if (!authenticated.isCompletedExceptionally()) {
                    strangers.occurred(skipped -> LOG.warn("link from {} dropped before the handshake: {}{}", peer,
                            why(failure), skipped > 0 ? " (" + skipped
                                    + " more unauthenticated connections dropped since the last line)" : ""));
                }
            }
            live.remove(linkView);
            closed.run();
        });
    }

    private static String why(Throwable failure) {
        return failure instanceof PipeFailure ? failure.getMessage() : Failures.rootMessage(failure);
    }

    private CompletionStage<OpenReply> decide(OpenRequest request, InetSocketAddress peer, LinkTarget target,
            LiveConnections.Live linkView) {
        ServiceExport export = exports.apply(request.service());
        int open = links.get();
        OpenReply refusal = null;
        if (export == null) {
            refusal = OpenReply.refused(OpenStatus.UNKNOWN_SERVICE, "no service " + request.service() + " here");
        } else if (draining.get()) {
            refusal = OpenReply.refused(OpenStatus.DRAINING, "exit is draining");
        } else if (open > maxLinks) {
            refusal = OpenReply.refused(OpenStatus.OVERLOADED, "exit is at max-links " + maxLinks);
        }
        if (refusal != null) {
            return refuse(request, peer, target, refusal, export);
        }
        return export.connect(request.targetNode(), target.colocated).handle((connection, failure) -> {
            if (failure != null) {
                Throwable cause = Failures.rootCause(failure);
                return refuse(request, peer, target, cause instanceof ServiceExport.UnknownNodeException
                        ? OpenReply.refused(OpenStatus.UNKNOWN_TARGET_NODE, cause.getMessage())
                        : OpenReply.refused(OpenStatus.TARGET_UNREACHABLE, "no target of " + request.service() + " accepts"
                                + request.targetNode().map(n -> " (node " + n + ")").orElse("")), export);
            }
            if (!target.attach(connection.connection(), export.counters::opened)) {
                connection.connection().abort(new IllegalStateException("link closed before its target connected"));
                return CompletableFuture.completedFuture(OpenReply.refused(OpenStatus.TARGET_UNREACHABLE, "link closed"));
            }
            linkView.service(request.service() + request.targetNode().map(n -> " node " + n).orElse(""));
            linkView.peer(connection.target().toString());
            target.flow.complete(ExitStack.target(export, connection.connection(), linkView));
            return CompletableFuture.completedFuture(OpenReply.OK);
        }).thenCompose(reply -> reply);
    }

    private static CompletionStage<OpenReply> refuse(OpenRequest request, InetSocketAddress peer, LinkTarget target,
            OpenReply refusal, ServiceExport export) {
        LOG.warn("link from {}: open of service {} refused: {}", peer, request.service(), refusal);
        if (export != null) {
            export.counters.openFailed(refusal.status().name().toLowerCase().replace('_', '-'));
        }
        target.flow.complete(REFUSED);
        return CompletableFuture.completedFuture(refusal);
    }
}
