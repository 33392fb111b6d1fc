package io.cloakmesh.node.mesh;

import io.cloakmesh.node.tls.ClusterTlsProvider;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Down;
import org.apache.pekko.cluster.typed.Subscribe;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Knows which node name each member has (its {@code node:NAME} role) and keeps names one per member:
 * it feeds {@link JoinIdentityCheck}, shuts this node down (exit status 1) when an older member has its name,
 * and downs a member whose cluster certificate names another node than the one it claims to be, or that
 * claims no node name at all.
 */
public final class NodeRoster extends AbstractBehavior<NodeRoster.Command> {
    private static final Logger LOG = LoggerFactory.getLogger(NodeRoster.class);
    static final String ROLE_PREFIX = "node:";
    private static final Duration RECHECK = Duration.ofSeconds(1);

    public interface Command {
    }

    private record Membership(ClusterEvent.MemberEvent event) implements Command {
    }

    private enum Recheck implements Command { INSTANCE }

    /** The shutdown reason when this node's name is taken; its exit status is 1 (cloakmesh-mesh.conf). */
    public static final class NameTaken implements CoordinatedShutdown.Reason {
    }

    private final Cluster cluster;
    private final String selfName;
    private final Optional<ClusterTlsProvider> tls;
    private final Map<String, Member> members = new HashMap<>();
    private final Set<String> downed = new HashSet<>();
    private boolean refused;

    public static Behavior<Command> create(String selfName, Optional<ClusterTlsProvider> tls) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
            timers.startTimerWithFixedDelay(Recheck.INSTANCE, RECHECK);
            return new NodeRoster(ctx, selfName, tls);
        }));
    }

    static Optional<String> nameOf(Member member) {
        return member.getRoles().stream().filter(r -> r.startsWith(ROLE_PREFIX))
                .map(r -> r.substring(ROLE_PREFIX.length())).findFirst();
    }

    private NodeRoster(ActorContext<Command> ctx, String selfName, Optional<ClusterTlsProvider> tls) {
        super(ctx);
        this.cluster = Cluster.get(ctx.getSystem());
        this.selfName = selfName;
        this.tls = tls;
        ActorRef<ClusterEvent.MemberEvent> events = ctx.messageAdapter(ClusterEvent.MemberEvent.class, Membership::new);
        cluster.subscriptions().tell(Subscribe.create(events, ClusterEvent.MemberEvent.class));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Membership.class, this::onMembership)
                .onMessage(Recheck.class, r -> check())
                .build();
    }

    private Behavior<Command> onMembership(Membership m) {
        Member member = m.event().member();
        String address = hostPort(member);
        if (m.event() instanceof ClusterEvent.MemberRemoved || member.status() == MemberStatus.down()) {
            members.remove(address);
        } else {
            members.put(address, member);
        }
        Map<String, String> names = new HashMap<>();
        members.forEach((a, mem) -> nameOf(mem).ifPresent(n -> names.putIfAbsent(n, a)));
        JoinIdentityCheck.namesInUse(names);
        return check();
    }

    private Behavior<Command> check() {
        Member self = cluster.selfMember();
        for (Member member : members.values()) {
            if (member.uniqueAddress().equals(self.uniqueAddress())) {
                continue;
            }
            String address = hostPort(member);
            Optional<String> claimed = nameOf(member);
            if (claimed.isEmpty()) {
                down(member, "it claims no node name: not a cloakmesh node");
                continue;
            }
            Optional<String> certified = tls.flatMap(t -> t.certifiedName(address));
            if (certified.isPresent() && !certified.get().equals(claimed.get())) {
                down(member, "it claims to be node " + claimed.get() + " but its certificate names node " + certified.get());
            } else if (claimed.get().equals(selfName) && !refused
                    // an older incarnation at this node's own address is a restart, which Pekko resolves itself
                    && !address.equals(hostPort(self)) && holdsNameBefore(member, self)) {
                refused = true;
                LOG.error("node name {} is taken by the member at {}: this node leaves and exits 1; give it a name of its own",
                        selfName, address);
                CoordinatedShutdown.get(getContext().getSystem()).runAll(new NameTaken());
            }
        }
        return this;
    }

    /** Whether {@code other} had the name first: it is Up while this node is not, or is the older Up member. */
    private static boolean holdsNameBefore(Member other, Member self) {
        if (other.status() != MemberStatus.up()) {
            return false;
        }
        return self.status() != MemberStatus.up() || other.isOlderThan(self);
    }

    private void down(Member member, String reason) {
        if (member.status() == MemberStatus.down() || !downed.add(member.uniqueAddress().toString())) {
            return;
        }
        LOG.error("downing the member at {}: {}", hostPort(member), reason);
        cluster.manager().tell(new Down(member.address()));
    }

    private static String hostPort(Member member) {
        return member.address().host().get() + ":" + member.address().port().get();
    }
}
