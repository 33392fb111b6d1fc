package io.cloakmesh.node.admin;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * The console's live picture: a {@link ConsoleFrame} at most once a {@link #PERIOD}, however many pages
 * watch, so the mesh is asked for its reports once a second by a node whose console is open and never
 * by one whose console is not. The sparklines' history grows while some page watches.
 */
final class ConsoleFeed {
    static final Duration PERIOD = Duration.ofSeconds(1);

    private final ManagedNode node;
    private final MeshQuery mesh;
    private final MeshViews views;
    private final ConsoleHistory history = new ConsoleHistory();
    private CompletableFuture<ConsoleFrame> latest;
    private long latestAt;

    ConsoleFeed(ManagedNode node, MeshQuery mesh) {
        this.node = node;
        this.mesh = mesh;
        this.views = new MeshViews(node);
    }

    /** The newest frame, made now unless one was begun less than most of a period ago. */
    synchronized CompletionStage<ConsoleFrame> frame() {
        long now = System.currentTimeMillis();
        if (latest == null || now - latestAt >= PERIOD.toMillis() * 9 / 10) {
            latestAt = now;
            latest = mesh.gather().thenApply(g -> made(now, g)).toCompletableFuture();
        }
        return latest;
    }

    private synchronized ConsoleFrame made(long at, MeshQuery.Gathered g) {
        MeshViews.Services services = views.services(g);
        List<String> names = services.services().stream().map(MeshViews.ServiceRow::service).toList();
        history.add(at, g, names);
        Map<String, List<MeshViews.TopologyNode>> slots = new HashMap<>();
        for (String service : names) {
            List<MeshViews.TopologyNode> nodes = views.topology(service, g).nodes();
            if (!nodes.isEmpty()) {
                slots.put(service, nodes);
            }
        }
        return ConsoleFrame.of(at, node.name(), g, views.members(g), oldest(), services, history.series(), slots);
    }

    /** The address of each datacenter's oldest member that is up. */
    private Set<String> oldest() {
        Map<String, Member> oldest = new HashMap<>();
        for (Member m : Cluster.get(node.system()).state().getMembers()) {
            if (m.status() == MemberStatus.up()) {
                oldest.merge(m.dataCenter(), m, (a, b) -> b.isOlderThan(a) ? b : a);
            }
        }
        Set<String> addresses = new HashSet<>();
        oldest.values().forEach(m -> addresses.add(m.address().toString()));
        return addresses;
    }
}
