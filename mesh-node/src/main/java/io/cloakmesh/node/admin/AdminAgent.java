package io.cloakmesh.node.admin;

import io.cloakmesh.node.config.FilterSettings;
import io.cloakmesh.node.config.InvalidSettingException;
import io.cloakmesh.node.link.ExportFilter;
import io.cloakmesh.node.link.Links;
import io.cloakmesh.node.logging.Printable;
import io.cloakmesh.node.net.Failures;
import io.cloakmesh.node.routing.CborSerializable;
import io.cloakmesh.protocol.filter.CommandFilter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
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

    /** Asks for the filter of this node's export of {@code service}. */
    public record ShowFilter(String service, ActorRef<FilterReply> replyTo) implements Command {
    }

    /** Puts the rule set {@code rules} (the text of a filter block) in force on this node's export of {@code service}. */
    public record SetFilter(String service, String rules, ActorRef<FilterReply> replyTo) implements Command {
    }

    /** Asks what the filter of {@code service} says of {@code command} run in {@code db}. */
    public record TestFilter(String service, long db, List<String> command, ActorRef<FilterReply> replyTo) implements Command {
    }

    /**
     * One node's answer about its export's filter.
     *
     * @param state "filtered", "unfiltered" (exported without a filter block) or "not exported"
     * @param ok false when the node refused what was asked; {@code message} then says why
     * @param verdict for a test: "allowed" or the rule that refuses
     */
    public record FilterReply(String node, String datacenter, String state, boolean ok, String message,
            FilterSettings rules, String source, Map<String, Long> verdicts, String verdict) implements CborSerializable {
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

    private FilterReply setFilter(SetFilter m) {
        if (node.links().filter(m.service()).isEmpty()) {
            return filterReply(m.service(), f -> "", f -> "");
        }
        try {
            FilterSettings rules = FilterSettings.parse(m.rules());
            node.links().filter(m.service()).get().replace(rules, "admin API, " + Instant.now());
            return filterReply(m.service(), f -> "rules in force from each connection's next command", f -> "");
        } catch (InvalidSettingException e) {
            FilterReply current = filterReply(m.service(), f -> "", f -> "");
            return new FilterReply(current.node(), current.datacenter(), current.state(), false,
                    "rules refused whole: " + Printable.of(e.getMessage()), current.rules(), current.source(), current.verdicts(), "");
        }
    }

    /** This node's answer for {@code service}: {@code message} and {@code verdict} from its filter, when it has one. */
    private FilterReply filterReply(String service, Function<ExportFilter, String> message,
            Function<ExportFilter, String> verdict) {
        Optional<ExportFilter> filter = node.links().filter(service);
        if (filter.isEmpty()) {
            boolean exported = node.links().exports(service);
            String why = exported ? "export " + service + " has no filter block: add one (filter {} allows everything) "
                    + "and reload" : "not exported here";
            return new FilterReply(node.name(), node.datacenter(), exported ? "unfiltered" : "not exported", false, why,
                    null, "", Map.of(), "");
        }
        ExportFilter f = filter.get();
        ExportFilter.Rules rules = f.rules();
        return new FilterReply(node.name(), node.datacenter(), "filtered", true, message.apply(f), rules.settings(),
                rules.source(), f.verdicts(), verdict.apply(f));
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
                .onMessage(ShowFilter.class, m -> {
                    m.replyTo().tell(filterReply(m.service(), f -> "", f -> ""));
                    return this;
                })
                .onMessage(SetFilter.class, m -> {
                    m.replyTo().tell(setFilter(m));
                    return this;
                })
                .onMessage(TestFilter.class, m -> {
                    m.replyTo().tell(filterReply(m.service(), f -> "", f -> {
                        CommandFilter.Verdict verdict = f.test(m.db(), m.command().stream()
                                .map(a -> a.getBytes(StandardCharsets.UTF_8)).toList());
                        return verdict.allowed() ? "allowed" : verdict.rule();
                    }));
                    return this;
                })
                .build();
    }
}
