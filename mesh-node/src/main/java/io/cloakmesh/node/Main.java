package io.cloakmesh.node;

import io.cloakmesh.node.mesh.RunCommand;
import io.cloakmesh.node.pipe.PipeCommand;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the mesh-node executable. */
@Command(name = "mesh-node", mixinStandardHelpOptions = true,
        description = "cloakmesh node: encrypted pipes and the mesh.",
        subcommands = {PipeCommand.class, RunCommand.class})
public final class Main implements Runnable {
    private static final String COMMON_POOL_PARALLELISM = "java.util.concurrent.ForkJoinPool.common.parallelism";

    public static void main(String[] args) {
        // Pekko's completion stages run even a plain whenComplete or thenApply as an async callback, which
        // CompletableFuture hands to ForkJoinPool.commonPool(), or, while that pool's parallelism is below 2
        // (the default on 2 cores), to a thread started for each callback: on an entry node, one thread
        // started per connection (4 % of its CPU per connect, profiled). Set before anything uses the pool.
        if (System.getProperty(COMMON_POOL_PARALLELISM) == null && Runtime.getRuntime().availableProcessors() < 3) {
            System.setProperty(COMMON_POOL_PARALLELISM, "2");
        }
        // Initialise logging on this thread, before any actor: loggers created by several threads while
        // logback is still starting can be substitutes that drop what they are given.
        LoggerFactory.getLogger(Main.class);
        System.exit(run(args));
    }

    /** Runs a command line and returns the exit status (1 for any usage error, like spiped). */
    public static int run(String[] args) {
        CommandLine cli = new CommandLine(new Main())
                .setPosixClusteredShortOptionsAllowed(true)
                .setOverwrittenOptionsAllowed(false)
                .setAbbreviatedOptionsAllowed(false);
        cli.setParameterExceptionHandler((ex, a) -> {
            if (ex.getCommandLine().getCommand() instanceof PipeCommand) {
                return PipeCommand.usageError(ex.getMessage());
            }
            System.err.println("mesh-node: " + ex.getMessage());
            ex.getCommandLine().usage(System.err);
            return 1;
        });
        return cli.execute(args);
    }

    @Override
    public void run() {
        CommandLine.usage(this, System.err);
    }
}
