package io.cloakmesh.node.pipe;

import io.cloakmesh.node.testing.NettyLeaks;
import io.cloakmesh.node.transport.TransportKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import picocli.CommandLine;

/** Runs mesh pipes in this JVM from spiped-style command lines, on one shared actor system. */
final class MeshPipes implements AutoCloseable {
    final ActorSystem<Void> system;
    private final List<PipeServer> servers = new ArrayList<>();

    MeshPipes(TransportKind transport) {
        NettyLeaks.watch();
        system = ActorSystem.create(Behaviors.empty(), "test-pipes", PipeProcess.systemConfig(Optional.of(transport)));
    }

    /** Starts a pipe as {@code mesh-node pipe ARGS -F} would, and returns once it listens. */
    PipeServer start(String... args) throws Exception {
        PipeCommand command = new PipeCommand();
        new CommandLine(command).setPosixClusteredShortOptionsAllowed(true).parseArgs(args);
        PipeServer server = PipeProcess.start(system, command.validate()).toCompletableFuture().get();
        servers.add(server);
        return server;
    }

    /** The pipe's listening port. */
    static int port(PipeServer server) {
        return server.localAddress().getPort();
    }

    static Path keyFile(String contents) throws IOException {
        Path key = Files.createTempFile("cloakmesh-key-", ".key",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(key, contents);
        return key;
    }

    @Override
    public void close() {
        servers.forEach(PipeServer::unbind);
        system.terminate();
        system.getWhenTerminated().toCompletableFuture().join();
        NettyLeaks.assertNone();
    }
}
