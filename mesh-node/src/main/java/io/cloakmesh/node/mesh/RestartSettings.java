package io.cloakmesh.node.mesh;

import io.cloakmesh.node.config.LinkSettings;
import io.cloakmesh.node.config.MeshSettings;
import java.util.ArrayList;
import java.util.List;

/**
 * Which settings a reload cannot apply: everything but exports, imports and the mesh keys is bound at
 * start-up.
 */
final class RestartSettings {
    private RestartSettings() {
    }

    static List<String> changed(MeshSettings current, MeshSettings next) {
        List<String> changed = new ArrayList<>();
        if (!current.nodeName().equals(next.nodeName()) || !current.datacenter().equals(next.datacenter())) {
            changed.add("cloakmesh.node");
        }
        if (!current.cluster().equals(next.cluster())) {
            changed.add("cloakmesh.cluster");
        }
        LinkSettings a = current.link();
        LinkSettings b = next.link();
        if (!a.listen().equals(b.listen()) || !a.advertise().equals(b.advertise()) || a.tls() != b.tls()
                || !a.connectTimeout().equals(b.connectTimeout())
                || !a.openTimeout().equals(b.openTimeout()) || a.maxLinks() != b.maxLinks()
                || a.maxHandshakes() != b.maxHandshakes()
                || !a.failurePenalty().equals(b.failurePenalty())) {
            changed.add("cloakmesh.link");
        }
        if (!current.admin().equals(next.admin())) {
            changed.add("cloakmesh.admin");
        }
        if (!current.loadPublishInterval().equals(next.loadPublishInterval())
                || !current.drainDeadline().equals(next.drainDeadline())
                || !current.metricsLogInterval().equals(next.metricsLogInterval())) {
            changed.add("cloakmesh.routing/shutdown/metrics");
        }
        return changed;
    }
}
