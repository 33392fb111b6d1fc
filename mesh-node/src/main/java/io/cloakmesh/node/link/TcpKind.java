package io.cloakmesh.node.link;

import io.cloakmesh.node.config.ExportSettings;
import io.cloakmesh.node.config.HostPort;
import io.cloakmesh.node.config.ImportSettings;
import io.cloakmesh.node.config.InvalidSettingException;
import io.cloakmesh.node.config.ServiceDetails;
import io.cloakmesh.node.config.Settings;
import io.cloakmesh.node.config.TcpTargets;
import io.cloakmesh.node.tls.ReloadingTls;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.stream.javadsl.BidiFlow;

/**
 * {@code kind = tcp}: any TCP service. Bytes pass unchanged, unless the export of a Redis has a
 * {@code filter} block ({@link ExportFilter}); an exit tries its targets in order.
 */
final class TcpKind implements ServiceKind {
    static final String NAME = "tcp";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> exportKeys() {
        return List.of("targets", "filter");
    }

    @Override
    public ServiceDetails readExport(Settings block) throws InvalidSettingException {
        return TcpTargets.read(block);
    }

    @Override
    public List<String> importKeys() {
        return List.of();
    }

    @Override
    public ServiceDetails readImport(Settings block, HostPort listen) {
        return ServiceDetails.NONE;
    }

    @Override
    public CompletionStage<ServiceImport> startImport(ImportSettings settings, EntryStack entry) {
        ServiceImport.Route route = new ServiceImport.Route(settings, Optional.empty(), "import " + settings.name(),
                new ServiceCounters(settings.name(), "import"), BidiFlow::identity, () -> { });
        return ServiceImport.start(route, settings.listen(), entry);
    }

    @Override
    public ServiceExport export(ExportSettings settings, Exit exit) {
        List<HostPort> targets = settings.details(TcpTargets.class).targets();
        Optional<ReloadingTls> tls = ServiceExport.tls(settings);
        return new ServiceExport(settings, exit.system(), node -> node.isPresent()
                ? CompletableFuture.failedFuture(new ServiceExport.UnknownNodeException("service " + settings.name()
                        + " has no nodes"))
                : CompletableFuture.completedFuture(targets), ExportFilter.of(settings, exit.system(), targets, Optional.empty(),
                tls), tls);
    }
}
