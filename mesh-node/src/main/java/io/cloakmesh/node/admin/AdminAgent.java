package io.cloakmesh.node.admin;

import io.cloakmesh.node.link.Links;
import io.cloakmesh.node.net.Failures;
import io.cloakmesh.node.routing.CborSerializable;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * Every node's admin agent, found through the cluster receptionist: answers for its own node when any
 * node's admin API gathers a mesh-wide reply, and carries out drain, undrain and reload on it.
 */
public final class AdminAgent extends AbstractBehavior<AdminAgent.Command> {
    public static final ServiceKey<Command> KEY = ServiceKey.create(Command.class, "cloakmesh-admin");

    public interface Command extends CborSerializable {
    }

    public record GetReport(ActorRef<NodeReport> replyTo) implements Command {
    }

    public record SetDraining(boolean draining, ActorRef<NodeReport> replyTo) implements Command {
    }

    public record Reload(ActorRef<ReloadReply> replyTo) implements Command {
    }

    /** {@code result} is null when the new configuration was refused; {@code message} then says why. */
    public record ReloadReply(String node, boolean ok, String message, Links.ReloadResult result) implements CborSerializable {
    }

    private final ManagedNode node;

    public static Behavior<Command> create(ManagedNode node) {
        return Behaviors.setup(ctx -> new AdminAgent(ctx, node));
    }

    private AdminAgent(ActorContext<Command> ctx, ManagedNode node) {
        super(ctx);
        this.node = node;
        ctx.getSystem().receptionist().tell(Receptionist.register(KEY, ctx.getSelf()));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(GetReport.class, m -> {
                    m.replyTo().tell(node.report());
                    return this;
                })
                .onMessage(SetDraining.class, m -> {
                    node.setDraining(m.draining()).thenRun(() -> m.replyTo().tell(node.report()));
                    return this;
                })
                .onMessage(Reload.class, m -> {
                    node.reload().whenComplete((result, failure) -> m.replyTo().tell(failure == null
                            ? new ReloadReply(node.name(), true, "reloaded", result)
                            : new ReloadReply(node.name(), false, Failures.rootMessage(failure), null)));
                    return this;
                })
                .build();
    }
}
