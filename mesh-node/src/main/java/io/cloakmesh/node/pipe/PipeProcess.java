package io.cloakmesh.node.pipe;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.cloakmesh.crypto.KeyFileException;
import io.cloakmesh.crypto.SharedKey;
import io.cloakmesh.crypto.pipe.Role;
import io.cloakmesh.node.net.Failures;
import io.cloakmesh.node.transport.TransportKind;
import io.cloakmesh.node.transport.Transports;
import io.cloakmesh.protocol.pipe.PipeSettings;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * The life of a {@code mesh-node pipe} process, in spiped's order: resolve the addresses, read the key,
 * bind, detach (unless {@code -F}) and write the pidfile once listening. SIGTERM stops accepting and
 * exits 0 when the last connection has ended; SIGINT exits at once.
 */
public final class PipeProcess {
    private static final Logger LOG = LoggerFactory.getLogger(PipeProcess.class);

    /** Start-up failed for a reason the operator must fix; printed as is, exit status 1. */
    public static final class StartupException extends Exception {
        StartupException(String message) {
            super(message);
        }
    }

    private PipeProcess() {
    }

    static int run(PipeOptions options, List<String> originalArgs) {
        if (!options.foreground() && !Daemonizer.isDetachedChild()) {
            return Daemonizer.detach(originalArgs, options);
        }
        ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "pipe", systemConfig(options.transport()));
        PipeServer server;
        try {
            server = start(system, options).toCompletableFuture().join();
        } catch (StartupException | CompletionException e) {
            System.err.println("mesh-node pipe: " + (e instanceof CompletionException ? "cannot listen on "
                    + options.source() + ": " + Failures.rootMessage(e) : e.getMessage()));
            system.terminate();
            return 1;
        }
        if (Daemonizer.isDetachedChild()) {
            try {
                Files.writeString(Daemonizer.pidfile(), ProcessHandle.current().pid() + "\n", StandardCharsets.US_ASCII);
            } catch (IOException e) {
                System.err.println("mesh-node pipe: cannot write pidfile " + Daemonizer.pidfile() + ": " + e.getMessage());
                system.terminate();
                return 1;
            }
        }
        LOG.info("{} pipe listening on {}, target {}", options.role() == Role.CLIENT
                ? "encrypting" : "decrypting", server.localAddress(), options.target());
        handleSignals(system, server);
        system.getWhenTerminated().toCompletableFuture().join();
        return 0;
    }

    /** The pipe's actor system settings, with {@code transport} if given over reference.conf's. */
    public static Config systemConfig(Optional<TransportKind> transport) {
        Config pipe = ConfigFactory.parseResources("cloakmesh-pipe.conf");
        if (transport.isPresent()) {
            pipe = ConfigFactory.parseMap(Map.of(Transports.SETTING, transport.get().settingName())).withFallback(pipe);
        }
        return pipe.withFallback(ConfigFactory.load());
    }

    /**
     * Resolves, reads the key and binds. Used by the process and by tests that run pipes in-process.
     */
    public static CompletionStage<PipeServer> start(ActorSystem<?> system, PipeOptions options) throws StartupException {
        InetSocketAddress listen = resolveFirst(options.source(), options.waitForDns());
        List<InetSocketAddress> targets = resolveAll(options.target(), options.waitForDns());
        Optional<InetSocketAddress> bind = options.bindAddress().isEmpty() ? Optional.empty()
                : Optional.of(resolveFirst(options.bindAddress().get(), options.waitForDns()));
        SharedKey key;
        try {
            key = options.keyFile().isPresent() ? SharedKey.fromFile(options.keyFile().get())
                    : SharedKey.fromStream(System.in, "standard input");
        } catch (KeyFileException e) {
            throw new StartupException(e.getMessage());
        }
        PipeSettings settings = new PipeSettings(key, options.mode(), options.timeout());
        TargetResolver target = TargetResolver.start(options.target(), targets, options.resolveInterval());
        return PipeServer.start(system, options, settings, listen, target, bind);
    }

    private static InetSocketAddress resolveFirst(SocketAddressSpec spec, boolean wait) throws StartupException {
        return resolveAll(spec, wait).get(0);
    }

    /** With {@code -D}, a failed resolution is retried every second until it succeeds, as in spiped. */
    private static List<InetSocketAddress> resolveAll(SocketAddressSpec spec, boolean wait) throws StartupException {
        while (true) {
            try {
                return spec.resolve();
            } catch (SocketAddressSpec.InvalidAddress e) {
                if (!wait) {
                    throw new StartupException(e.getMessage());
                }
                LOG.warn("{}; retrying in 1 s (-D)", e.getMessage());
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new StartupException(e.getMessage());
                }
            }
        }
    }

    private static void handleSignals(ActorSystem<?> system, PipeServer server) {
        CoordinatedShutdown shutdown = CoordinatedShutdown.get(system);
        shutdown.addTask(CoordinatedShutdown.PhaseServiceUnbind(), "pipe-unbind", server::unbind);
        shutdown.addTask(CoordinatedShutdown.PhaseServiceRequestsDone(), "pipe-connections-done", server::whenIdle);
        Signal.handle(new Signal("TERM"), sig -> {
            LOG.info("SIGTERM: no longer accepting; exiting when {} open connection(s) end", server.activeConnections());
            shutdown.runAll(CoordinatedShutdown.unknownReason());
        });
        Signal.handle(new Signal("INT"), sig -> Runtime.getRuntime().halt(130));
    }
}
