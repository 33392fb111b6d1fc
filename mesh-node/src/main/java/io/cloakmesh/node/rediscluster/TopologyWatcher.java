package io.cloakmesh.node.rediscluster;

import io.cloakmesh.node.config.HostPort;
import io.cloakmesh.node.config.RedisClusterSource;
import io.cloakmesh.node.net.Failures;
import io.cloakmesh.node.routing.CborSerializable;
import io.cloakmesh.node.tls.ReloadingTls;
import io.cloakmesh.protocol.rediscluster.RedisNode;
import io.cloakmesh.protocol.rediscluster.RedisTopology;
import io.cloakmesh.protocol.rediscluster.TopologyDiff;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.cluster.ddata.typed.javadsl.ReplicatorMessageAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On an exit, keeps one exported Redis Cluster's topology: reads it every refresh interval and whenever
 * asked (by this exit or by an entry, through the receptionist), and writes its row of the topologies
 * table when the newest reading anyone has differs from what the cluster now says. Changes are logged.
 */
public final class TopologyWatcher extends AbstractBehavior<TopologyWatcher.Command> {
    private static final Logger LOG = LoggerFactory.getLogger(TopologyWatcher.class);

    public interface Command {
    }

    /** Read the topology now; answers with the newest reading once this one is in. */
    public record Refresh(ActorRef<TopologyEntry> replyTo) implements Command, CborSerializable {
    }

    /** The export was removed or replaced (a reload). */
    public enum Stop implements Command { INSTANCE }

    private enum Tick implements Command { INSTANCE }

    private record Read(RedisTopology topology, Throwable failure) implements Command {
    }

    private record Written(Replicator.UpdateResponse<LWWMap<String, TopologyEntry>> response) implements Command {
    }

    /** Where entries find the watchers of a service. */
    public static ServiceKey<Command> key(String service) {
        return ServiceKey.create(Command.class, "cloakmesh-topology-" + service);
    }

    /** Who this exit is, for its rows. */
    public record Self(String node, String member, String datacenter) {
    }

    private final String service;
    private final RedisClusterSource source;
    private final Self self;
    private final TopologyReader reader;
    private final TopologyView view;
    private final ReplicatorMessageAdapter<Command, LWWMap<String, TopologyEntry>> replicator;
    private final SelfUniqueAddress selfAddress;
    private final List<ActorRef<TopologyEntry>> waiting = new ArrayList<>();
    private boolean reading;
    private boolean failing;

    /** @param tls the export's TLS to the cluster's nodes, if it has one */
    public static Behavior<Command> create(String service, RedisClusterSource source, Optional<ReloadingTls> tls, Self self,
            TopologyView view, Duration readTimeout) {
        return Behaviors.setup(ctx -> DistributedData.withReplicatorMessageAdapter(
                (ReplicatorMessageAdapter<Command, LWWMap<String, TopologyEntry>> replicator) -> Behaviors.withTimers(timers -> {
                    timers.startTimerWithFixedDelay(Tick.INSTANCE, source.refreshInterval());
                    ctx.getSystem().receptionist().tell(Receptionist.register(key(service), ctx.getSelf()));
                    ctx.getSelf().tell(Tick.INSTANCE);
                    return new TopologyWatcher(ctx, replicator, service, source, self, view,
                            new TopologyReader(ctx.getSystem(), readTimeout, source.credentials(), tls));
                })));
    }

    private TopologyWatcher(ActorContext<Command> ctx, ReplicatorMessageAdapter<Command, LWWMap<String, TopologyEntry>> replicator,
            String service, RedisClusterSource source, Self self, TopologyView view, TopologyReader reader) {
        super(ctx);
        this.replicator = replicator;
        this.selfAddress = DistributedData.get(ctx.getSystem()).selfUniqueAddress();
        this.service = service;
        this.source = source;
        this.self = self;
        this.view = view;
        this.reader = reader;
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Tick.class, m -> read())
                .onMessage(Stop.class, m -> Behaviors.stopped())
                .onMessage(Refresh.class, this::onRefresh)
                .onMessage(Read.class, this::onRead)
                .onMessage(Written.class, this::onWritten)
                .onSignal(PostStop.class, s -> onStop())
                .build();
    }

    private Behavior<Command> onRefresh(Refresh m) {
        waiting.add(m.replyTo());
        return read();
    }

    /** One reading at a time: a refresh asked for meanwhile is answered by the reading under way. */
    private Behavior<Command> read() {
        if (!reading) {
            reading = true;
            getContext().pipeToSelf(reader.read(addresses()), Read::new);
        }
        return this;
    }

    /** The configured seeds, then every node of the last reading: seeds may have left or failed since. */
    private List<HostPort> addresses() {
        Set<HostPort> all = new LinkedHashSet<>(source.seeds());
        view.of(service).ifPresent(e -> {
            for (RedisNode n : e.topology().nodes()) {
                if (!n.ip().isEmpty() && n.port() != 0 && !n.health().equals("fail")) {
                    all.add(new HostPort(n.ip(), n.port()));
                }
            }
        });
        return List.copyOf(all);
    }

    private Behavior<Command> onRead(Read m) {
        reading = false;
        Optional<TopologyEntry> newest = view.of(service);
        if (m.failure() != null) {
            if (!failing) {
                LOG.warn("topology of {}: cannot read it: {} (will keep trying every {} s)", service,
                        Failures.rootMessage(m.failure()), source.refreshInterval().toSeconds());
            }
            failing = true;
        } else {
            if (failing) {
                LOG.info("topology of {}: read again", service);
            }
            failing = false;
            // allow-scripts travels with the reading: a reload that changes it publishes even an unchanged topology
            if (newest.isEmpty() || !newest.get().topology().equals(m.topology())
                    || newest.get().scriptsAllowed() != source.allowScripts()) {
                publish(newest, m.topology());
            }
        }
        view.of(service).ifPresent(entry -> waiting.forEach(w -> w.tell(entry)));
        waiting.clear();
        return this;
    }

    private void publish(Optional<TopologyEntry> before, RedisTopology topology) {
        long version = Math.max(System.currentTimeMillis(), before.map(e -> e.version() + 1).orElse(0L));
        TopologyEntry entry = new TopologyEntry(service, self.node(), self.member(), self.datacenter(), version,
                topology, source.allowScripts());
        List<String> changes = TopologyDiff.lines(before.map(TopologyEntry::topology), topology);
        if (before.isEmpty()) {
            LOG.info("topology of {}: {} nodes in {} shards", service, topology.nodes().size(), topology.shards().size());
        }
        changes.forEach(line -> LOG.info("topology of {}: {}", service, line));
        view.offer(entry);
        replicator.askUpdate(
                reply -> new Replicator.Update<>(TopologyTable.TOPOLOGIES, LWWMap.create(), Replicator.writeLocal(), reply,
                        map -> map.put(selfAddress, entry.key(), entry)),
                Written::new);
    }

    /** The export was removed: its row goes, so it never stands as the newest reading of a stale cluster. */
    private Behavior<Command> onStop() {
        String key = service + "@" + self.member();
        replicator.askUpdate(
                reply -> new Replicator.Update<>(TopologyTable.TOPOLOGIES, LWWMap.create(), Replicator.writeLocal(), reply,
                        map -> map.remove(selfAddress, key)),
                Written::new);
        return this;
    }

    private Behavior<Command> onWritten(Written m) {
        if (!(m.response() instanceof Replicator.UpdateSuccess)) {
            LOG.warn("topology of {}: local write did not succeed: {}", service, m.response());
        }
        return this;
    }
}
