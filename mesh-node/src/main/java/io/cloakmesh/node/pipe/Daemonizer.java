package io.cloakmesh.node.pipe;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs the pipe in the background the way spiped daemonizes: the JVM cannot fork, so it starts itself
 * again in a new session, and returns only once that child has written its pidfile, that is, once it is
 * listening. A child that fails at start-up passes its exit status through.
 */
final class Daemonizer {
    private static final String PIDFILE_ENV = "CLOAKMESH_PIPE_PIDFILE";
    private static final Path SETSID = Path.of("/usr/bin/setsid");

    private Daemonizer() {
    }

    static boolean isDetachedChild() {
        return System.getenv(PIDFILE_ENV) != null;
    }

    static Path pidfile() {
        return Path.of(System.getenv(PIDFILE_ENV));
    }

    static int detach(List<String> originalArgs, PipeOptions options) {
        Path pidfile = options.pidfile().toAbsolutePath();
        try {
            Files.deleteIfExists(pidfile);
            byte[] stdinKey = options.keyFile().isEmpty() ? System.in.readAllBytes() : null;
            List<String> command = new ArrayList<>();
            if (Files.isExecutable(SETSID)) {
                command.add(SETSID.toString());
            }
            command.add(ProcessHandle.current().info().command().orElse("java"));
            command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
            command.add("-cp");
            command.add(System.getProperty("java.class.path"));
            command.add(io.cloakmesh.node.Main.class.getName());
            if (originalArgs.isEmpty() || !originalArgs.get(0).equals("pipe")) {
                command.add("pipe");
            }
            command.addAll(originalArgs);
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.INHERIT);
            builder.environment().put(PIDFILE_ENV, pidfile.toString());
            if (stdinKey == null) {
                builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            }
            Process child = builder.start();
            if (stdinKey != null) {
                try (OutputStream in = child.getOutputStream()) {
                    in.write(stdinKey);
                }
            }
            return awaitListening(child, pidfile);
        } catch (IOException e) {
            System.err.println("mesh-node pipe: cannot start in the background: " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }

    /** Waits for the child's pidfile naming it, or for its exit. */
    private static int awaitListening(Process child, Path pidfile) throws InterruptedException, IOException {
        String expected = Long.toString(child.pid());
        while (true) {
            if (Files.exists(pidfile) && Files.readString(pidfile, StandardCharsets.US_ASCII).trim().equals(expected)) {
                return 0;
            }
            if (child.waitFor(20, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                return child.exitValue() == 0 ? 1 : child.exitValue();
            }
        }
    }
}
