package io.cloakmesh.node.routing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.ToIntFunction;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.UniqueAddress;
import org.apache.pekko.cluster.ddata.Key;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.LWWMapKey;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.cluster.ddata.typed.javadsl.ReplicatorMessageAdapter;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this node's rows of the services table in Distributed Data, deletes the rows of nodes that are
 * removed from the cluster, and publishes the table, joined with what this node knows of membership and
 * reachability, to a {@link RouteView}. Every change is logged.
 *
 * <p>Writes are local and spread by gossip: a routing table may lag by a gossip round, which is safe
 * because an exit checks its own state on every open and the entry fails over on a refusal.
 */
public final class RoutingTable extends AbstractBehavior<RoutingTable.Command> {
    private static final Logger LOG = LoggerFactory.getLogger(RoutingTable.class);
    /** The one top-level key; a row per (service, exporter), so entries stay far below ddata's limits. */
    public static final Key<LWWMap<String, ExportRow>> SERVICES = LWWMapKey.create("cloakmesh-services");

    public interface Command {
    }

    /** Marks this node's exports draining (or active again); answers once written locally. */
    public record SetDraining(boolean draining, ActorRef<Done> replyTo) implements Command {
    }

    /** Replaces this node's rows (after a reload, states as given): rows of services no longer exported are deleted. */
    public record SetExports(List<ExportRow> exports, ActorRef<Done> replyTo) implements Command {
    }

    private record TableChanged(Replicator.SubscribeResponse<LWWMap<String, ExportRow>> response) implements Command {
    }

    private record Written(Replicator.UpdateResponse<LWWMap<String, ExportRow>> response, ActorRef<Done> replyTo)
            implements Command {
    }

    private record Membership(ClusterEvent.ClusterDomainEvent event) implements Command {
    }

    private enum PublishLoad implements Command { INSTANCE }

    private final ReplicatorMessageAdapter<Command, LWWMap<String, ExportRow>> replicator;
    private final SelfUniqueAddress self;
    private final RouteView view;
    private final ToIntFunction<String> loadOf;
    private final Map<String, ExportRow> own = new HashMap<>();
    private final Map<String, Member> members = new HashMap<>();
    private final Set<String> unreachableMembers = new HashSet<>();
    private LWWMap<String, ExportRow> table = LWWMap.create();
    private Map<String, RouteView.Route> published = Map.of();

    /**
     * @param exports this node's rows as they start (active, no load)
     * @param loadOf the open links for a service this node exports, sampled every {@code publishInterval}
     */
    public static Behavior<Command> create(List<ExportRow> exports, ToIntFunction<String> loadOf,
            Duration publishInterval, RouteView view) {
        return Behaviors.setup(ctx -> DistributedData.withReplicatorMessageAdapter(
                (ReplicatorMessageAdapter<Command, LWWMap<String, ExportRow>> replicator) ->
                        Behaviors.withTimers(timers -> {
                            timers.startTimerWithFixedDelay(PublishLoad.INSTANCE, publishInterval);
                            return new RoutingTable(ctx, replicator, exports, loadOf, view);
                        })));
    }

    /** How a member is named in the table: its address and incarnation. */
    public static String memberId(UniqueAddress address) {
        return address.address() + "#" + address.longUid();
    }

    private RoutingTable(ActorContext<Command> ctx, ReplicatorMessageAdapter<Command, LWWMap<String, ExportRow>> replicator,
            List<ExportRow> exports, ToIntFunction<String> loadOf, RouteView view) {
        super(ctx);
        this.replicator = replicator;
        this.self = DistributedData.get(ctx.getSystem()).selfUniqueAddress();
        this.view = view;
        this.loadOf = loadOf;
        exports.forEach(e -> own.put(e.key(), e));
        replicator.subscribe(SERVICES, TableChanged::new);
        ActorRef<ClusterEvent.ClusterDomainEvent> events = ctx.messageAdapter(ClusterEvent.ClusterDomainEvent.class, Membership::new);
        Cluster cluster = Cluster.get(ctx.getSystem());
        cluster.subscriptions().tell(Subscribe.create(events.narrow(), ClusterEvent.MemberEvent.class));
        cluster.subscriptions().tell(Subscribe.create(events.narrow(), ClusterEvent.ReachabilityEvent.class));
        cluster.subscriptions().tell(Subscribe.create(events.narrow(), ClusterEvent.DataCenterReachabilityEvent.class));
        writeOwn(null);
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(TableChanged.class, this::onTableChanged)
                .onMessage(Written.class, this::onWritten)
                .onMessage(Membership.class, this::onMembership)
                .onMessage(SetDraining.class, this::onSetDraining)
                .onMessage(SetExports.class, this::onSetExports)
                .onMessage(PublishLoad.class, m -> onPublishLoad())
                .build();
    }

    private Behavior<Command> onTableChanged(TableChanged m) {
        if (m.response() instanceof Replicator.Changed<LWWMap<String, ExportRow>> changed) {
            table = changed.get(SERVICES);
            publish();
        }
        return this;
    }

    private Behavior<Command> onWritten(Written m) {
        if (!(m.response() instanceof Replicator.UpdateSuccess)) {
            LOG.warn("routing table: local write did not succeed: {}", m.response());
        }
        if (m.replyTo() != null) {
            m.replyTo().tell(Done.getInstance());
        }
        return this;
    }

    private Behavior<Command> onMembership(Membership m) {
        ClusterEvent.ClusterDomainEvent event = m.event();
        if (event instanceof ClusterEvent.MemberRemoved removed) {
            String id = memberId(removed.member().uniqueAddress());
            members.remove(id);
            unreachableMembers.remove(id);
            LOG.info("membership: {} removed (was {})", describe(removed.member()), removed.previousStatus());
            deleteRowsOf(id);
            view.memberRemoved(id);
        } else if (event instanceof ClusterEvent.MemberEvent memberEvent) {
            Member member = memberEvent.member();
            members.put(memberId(member.uniqueAddress()), member);
            LOG.info("membership: {} is {}", describe(member), member.status());
        } else if (event instanceof ClusterEvent.UnreachableMember u) {
            unreachableMembers.add(memberId(u.member().uniqueAddress()));
            LOG.warn("membership: {} is unreachable", describe(u.member()));
        } else if (event instanceof ClusterEvent.ReachableMember r) {
            unreachableMembers.remove(memberId(r.member().uniqueAddress()));
            LOG.info("membership: {} is reachable again", describe(r.member()));
        } else if (event instanceof ClusterEvent.UnreachableDataCenter u) {
            LOG.warn("membership: datacenter {} is unreachable", u.dataCenter());
        } else if (event instanceof ClusterEvent.ReachableDataCenter r) {
            LOG.info("membership: datacenter {} is reachable again", r.dataCenter());
        }
        publish();
        return this;
    }

    private Behavior<Command> onSetDraining(SetDraining m) {
        ExportState state = m.draining() ? ExportState.DRAINING : ExportState.ACTIVE;
        own.replaceAll((k, e) -> e.with(state, e.load()));
        writeOwn(m.replyTo());
        return this;
    }

    private Behavior<Command> onSetExports(SetExports m) {
        Map<String, ExportRow> before = new HashMap<>(own);
        own.clear();
        for (ExportRow e : m.exports()) {
            ExportRow previous = before.get(e.key());
            own.put(e.key(), e.with(e.state(), previous == null ? 0 : previous.load()));
        }
        List<String> gone = before.keySet().stream().filter(k -> !own.containsKey(k)).toList();
        if (!gone.isEmpty()) {
            replicator.askUpdate(
                    reply -> new Replicator.Update<>(SERVICES, LWWMap.create(), Replicator.writeLocal(), reply, map -> {
                        LWWMap<String, ExportRow> next = map;
                        for (String key : gone) {
                            next = next.remove(self, key);
                        }
                        return next;
                    }),
                    response -> new Written(response, null));
        }
        writeOwn(m.replyTo());
        return this;
    }

    private Behavior<Command> onPublishLoad() {
        boolean changed = false;
        for (Map.Entry<String, ExportRow> row : own.entrySet()) {
            ExportRow e = row.getValue();
            int load = loadOf.applyAsInt(e.service());
            if (load != e.load()) {
                row.setValue(e.with(e.state(), load));
                changed = true;
            }
        }
        if (changed) {
            writeOwn(null);
        }
        return this;
    }

    private void writeOwn(ActorRef<Done> replyTo) {
        if (own.isEmpty()) {
            if (replyTo != null) {
                replyTo.tell(Done.getInstance());
            }
            return;
        }
        List<ExportRow> rows = List.copyOf(own.values());
        replicator.askUpdate(
                reply -> new Replicator.Update<>(SERVICES, LWWMap.create(), Replicator.writeLocal(), reply, map -> {
                    LWWMap<String, ExportRow> next = map;
                    for (ExportRow e : rows) {
                        next = next.put(self, e.key(), e);
                    }
                    return next;
                }),
                response -> new Written(response, replyTo));
    }

    /** Every survivor deletes a removed node's rows ({@link MemberRows}). */
    private void deleteRowsOf(String member) {
        if (!MemberRows.has(table, member)) {
            return;
        }
        replicator.askUpdate(reply -> new Replicator.Update<>(SERVICES, LWWMap.create(), Replicator.writeLocal(), reply,
                        map -> MemberRows.without(map, self, member)),
                response -> new Written(response, null));
    }

    private void publish() {
        Map<String, RouteView.Route> rows = new TreeMap<>();
        for (ExportRow e : table.getEntries().values()) {
            rows.put(e.key(), new RouteView.Route(e, reachable(e)));
        }
        logChanges(rows);
        published = rows;
        Map<String, List<RouteView.Route>> byService = new HashMap<>();
        for (RouteView.Route r : rows.values()) {
            byService.computeIfAbsent(r.entry().service(), s -> new ArrayList<>()).add(r);
        }
        view.publish(byService);
    }

    /**
     * Up, and not unreachable as seen from this datacenter. Another datacenter is judged as a whole:
     * Pekko marks it unreachable when any one of its nodes is, so one crashed exporter would hide its
     * healthy peers until its own datacenter downs it. Exporters elsewhere are therefore judged by their
     * membership here and, on the entry, by whether their links open (see RouteView.penalize).
     */
    private boolean reachable(ExportRow e) {
        Member m = members.get(e.member());
        return m != null
                && (m.status() == MemberStatus.up() || m.status() == MemberStatus.weaklyUp())
                && !unreachableMembers.contains(e.member());
    }

    private void logChanges(Map<String, RouteView.Route> rows) {
        for (Map.Entry<String, RouteView.Route> row : rows.entrySet()) {
            RouteView.Route before = published.get(row.getKey());
            RouteView.Route now = row.getValue();
            if (before == null || before.entry().state() != now.entry().state() || before.reachable() != now.reachable()) {
                LOG.info("routing: service {} exporter {} ({}, {}) {}{}", now.entry().service(),
                        now.entry().node(), now.entry().datacenter(), now.entry().linkAddress(),
                        before == null ? "added, " : "", describe(now));
            }
        }
        for (Map.Entry<String, RouteView.Route> row : published.entrySet()) {
            if (!rows.containsKey(row.getKey())) {
                ExportRow e = row.getValue().entry();
                LOG.info("routing: service {} exporter {} ({}, {}) removed", e.service(), e.node(),
                        e.datacenter(), e.linkAddress());
            }
        }
    }

    private static String describe(RouteView.Route r) {
        return (r.entry().state() == ExportState.ACTIVE ? "active" : "draining")
                + (r.reachable() ? "" : ", not reachable");
    }

    private static String describe(Member m) {
        return m.address() + " (" + m.dataCenter() + ")";
    }
}
