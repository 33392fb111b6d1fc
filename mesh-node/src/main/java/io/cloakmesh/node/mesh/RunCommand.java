package io.cloakmesh.node.mesh;

import io.cloakmesh.node.config.InvalidSettingException;
import io.cloakmesh.node.config.MeshSettings;
import io.cloakmesh.node.link.ServiceKinds;
import io.cloakmesh.node.net.Failures;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/** {@code mesh-node run --config FILE}: a mesh node in the foreground until SIGTERM. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Run a mesh node: join the cluster, export and import services.",
            "Exits 1 with the setting's path if the configuration is invalid; SIGTERM drains and exits 0."})
public final class RunCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);

    @Option(names = "--config", required = true, paramLabel = "FILE", description = "The node's HOCON file.")
    Path config;

    @Option(names = "--check", description = "Only check the configuration (and key files), then exit 0 or 1.")
    boolean checkOnly;

    @Override
    public Integer call() {
        MeshSettings settings;
        try {
            settings = MeshSettings.load(config, ServiceKinds.ALL);
        } catch (InvalidSettingException e) {
            System.err.println("mesh-node: invalid configuration in " + config + ": " + e.getMessage());
            return 1;
        }
        if (checkOnly) {
            System.err.println("mesh-node: " + config + ": configuration OK");
            return 0;
        }
        MeshNode node;
        try {
            node = MeshNode.start(config, settings);
        } catch (RuntimeException e) {
            System.err.println("mesh-node: cannot start node " + settings.nodeName() + ": "
                    + (e instanceof StartFailure ? e.getMessage() : Failures.rootMessage(e)));
            return 1;
        }
        Signal.handle(new Signal("TERM"), sig -> {
            LOG.info("SIGTERM: draining, then leaving the cluster");
            node.shutdown();
        });
        Signal.handle(new Signal("INT"), sig -> {
            LOG.info("SIGINT: draining, then leaving the cluster");
            node.shutdown();
        });
        node.system().getWhenTerminated().toCompletableFuture().join();
        return 0;
    }
}
