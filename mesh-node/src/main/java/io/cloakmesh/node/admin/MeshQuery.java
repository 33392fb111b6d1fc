package io.cloakmesh.node.admin;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * Gathers the mesh-wide admin answers: asks every node's {@link AdminAgent} for its part, each with its
 * own deadline, and lists the members that did not answer instead of failing the whole reply.
 */
final class MeshQuery {
    /** Every node's part that arrived, and the cluster members whose part did not. */
    record Gathered(List<NodeReport> reports, List<String> unanswered) {
    }

    /** An agent and the report it answered with. */
    record Answer(ActorRef<AdminAgent.Command> agent, NodeReport report) {
    }

    private final ActorSystem<?> system;
    private final Duration perNode;

    MeshQuery(ActorSystem<?> system, Duration perNode) {
        this.system = system;
        this.perNode = perNode;
    }

    CompletionStage<Gathered> gather() {
        return answers().thenApply(this::gathered);
    }

    private Gathered gathered(List<Answer> answers) {
        List<NodeReport> reports = answers.stream().map(Answer::report).toList();
        Set<String> answered = new HashSet<>();
        reports.forEach(r -> answered.add(r.member()));
        List<String> unanswered = new ArrayList<>();
        for (Member m : Cluster.get(system).state().getMembers()) {
            boolean shouldAnswer = m.status() == MemberStatus.up() || m.status() == MemberStatus.weaklyUp()
                    || m.status() == MemberStatus.leaving();
            if (shouldAnswer && !answered.contains(m.address().toString())) {
                unanswered.add(m.address() + " (" + m.dataCenter() + ")");
            }
        }
        return new Gathered(reports, unanswered);
    }

    /** The agent of the node named {@code name}, if it answers. */
    CompletionStage<Optional<ActorRef<AdminAgent.Command>>> agentOf(String name) {
        return answers().thenApply(answers -> answers.stream()
                .filter(a -> a.report().name().equals(name))
                .map(Answer::agent)
                .findFirst());
    }

    /** The agents of the nodes whose report says they export {@code service}, and the members that did not answer. */
    CompletionStage<Exporters> exportersOf(String service) {
        return answers().thenApply(answers -> new Exporters(answers.stream()
                .filter(a -> a.report().exports().contains(service)).map(Answer::agent).toList(),
                gathered(answers).unanswered()));
    }

    record Exporters(List<ActorRef<AdminAgent.Command>> agents, List<String> unanswered) {
    }

    <T> CompletionStage<T> ask(ActorRef<AdminAgent.Command> agent, Function<ActorRef<T>, AdminAgent.Command> message,
            Duration timeout) {
        return AskPattern.ask(agent, message::apply, timeout, system.scheduler());
    }

    private CompletionStage<List<Answer>> answers() {
        CompletionStage<Receptionist.Listing> listing = AskPattern.ask(system.receptionist(),
                (ActorRef<Receptionist.Listing> reply) -> Receptionist.find(AdminAgent.KEY, reply), perNode,
                system.scheduler());
        return listing.thenCompose(l -> {
            List<CompletableFuture<Answer>> asks = new ArrayList<>();
            for (ActorRef<AdminAgent.Command> agent : l.getServiceInstances(AdminAgent.KEY)) {
                asks.add(this.<NodeReport>ask(agent, AdminAgent.GetReport::new, perNode).toCompletableFuture()
                        .handle((report, failure) -> failure == null ? new Answer(agent, report) : null));
            }
            return CompletableFuture.allOf(asks.toArray(CompletableFuture[]::new))
                    .thenApply(x -> asks.stream().map(CompletableFuture::join).filter(a -> a != null).toList());
        });
    }
}
