package io.cloakmesh.node.rediscluster;

import io.cloakmesh.node.routing.MemberRows;
import io.cloakmesh.node.routing.RoutingTable;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.ddata.Key;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.LWWMapKey;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.cluster.ddata.typed.javadsl.ReplicatorMessageAdapter;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * Feeds this node's {@link TopologyView} from the topologies table in Distributed Data (a row per
 * exported cluster and exporter, written by the exporters' {@link TopologyWatcher}s), and deletes the
 * rows of nodes removed from the cluster, as the routing table does with its rows.
 */
public final class TopologyTable extends AbstractBehavior<TopologyTable.Command> {
    public static final Key<LWWMap<String, TopologyEntry>> TOPOLOGIES = LWWMapKey.create("cloakmesh-topologies");

    public interface Command {
    }

    private record TableChanged(Replicator.SubscribeResponse<LWWMap<String, TopologyEntry>> response) implements Command {
    }

    private record Removed(ClusterEvent.MemberRemoved event) implements Command {
    }

    private record Ignored(Replicator.UpdateResponse<LWWMap<String, TopologyEntry>> response) implements Command {
    }

    private final ReplicatorMessageAdapter<Command, LWWMap<String, TopologyEntry>> replicator;
    private final SelfUniqueAddress self;
    private final TopologyView view;
    private LWWMap<String, TopologyEntry> table = LWWMap.create();

    public static Behavior<Command> create(TopologyView view) {
        return Behaviors.setup(ctx -> DistributedData.withReplicatorMessageAdapter(
                (ReplicatorMessageAdapter<Command, LWWMap<String, TopologyEntry>> replicator) ->
                        new TopologyTable(ctx, replicator, view)));
    }

    private TopologyTable(ActorContext<Command> ctx, ReplicatorMessageAdapter<Command, LWWMap<String, TopologyEntry>> replicator,
            TopologyView view) {
        super(ctx);
        this.replicator = replicator;
        this.self = DistributedData.get(ctx.getSystem()).selfUniqueAddress();
        this.view = view;
        replicator.subscribe(TOPOLOGIES, TableChanged::new);
        ActorRef<ClusterEvent.MemberRemoved> removed = ctx.messageAdapter(ClusterEvent.MemberRemoved.class, Removed::new);
        Cluster.get(ctx.getSystem()).subscriptions().tell(Subscribe.create(removed, ClusterEvent.MemberRemoved.class));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(TableChanged.class, this::onTableChanged)
                .onMessage(Removed.class, this::onRemoved)
                .onMessage(Ignored.class, m -> this)
                .build();
    }

    private Behavior<Command> onTableChanged(TableChanged m) {
        if (m.response() instanceof Replicator.Changed<LWWMap<String, TopologyEntry>> changed) {
            table = changed.get(TOPOLOGIES);
            view.table(List.copyOf(table.getEntries().values()));
        }
        return this;
    }

    private Behavior<Command> onRemoved(Removed m) {
        String member = RoutingTable.memberId(m.event().member().uniqueAddress());
        if (!MemberRows.has(table, member)) {
            return this;
        }
        replicator.askUpdate(reply -> new Replicator.Update<>(TOPOLOGIES, LWWMap.create(), Replicator.writeLocal(), reply,
                        map -> MemberRows.without(map, self, member)),
                Ignored::new);
        return this;
    }
}
