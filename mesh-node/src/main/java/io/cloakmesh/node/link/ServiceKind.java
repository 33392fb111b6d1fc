package io.cloakmesh.node.link;

import io.cloakmesh.node.config.ExportSettings;
import io.cloakmesh.node.config.ImportSettings;
import io.cloakmesh.node.config.KindReader;
import io.cloakmesh.node.rediscluster.TopologyView;
import io.cloakmesh.node.rediscluster.TopologyWatcher;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * What a service is: the settings only it has ({@link KindReader}), its import side (the listeners an
 * entry runs and the stages each client connection gets there) and its export side (the targets a link
 * goes to and the stages between them). One class per kind; {@link ServiceKinds} is the one place that
 * tells them apart.
 */
interface ServiceKind extends KindReader {
    /** What an exit's exports run with. */
    record Exit(ActorSystem<?> system, TopologyView topologies, TopologyWatcher.Self self) {
    }

    /** Binds the import's listeners; their connections are assembled by {@code entry}. */
    CompletionStage<? extends ImportedService> startImport(ImportSettings settings, EntryStack entry);

    /** The export as an exit serves it; {@link ServiceExport#stop} ends what it started. */
    ServiceExport export(ExportSettings settings, Exit exit);
}
