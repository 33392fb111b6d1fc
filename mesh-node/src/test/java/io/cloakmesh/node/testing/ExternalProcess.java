package io.cloakmesh.node.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A real program (redis-server, spiped) started for a test and killed when the test is done. */
public final class ExternalProcess implements AutoCloseable {
    public final Process process;
    public final Path log;

    private ExternalProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    public static ExternalProcess start(List<String> command) throws IOException {
        Path log = Files.createTempFile("cloakmesh-test-", ".log");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return new ExternalProcess(p, log);
    }

    /** spiped in the foreground, returned once its source port accepts connections. */
    public static ExternalProcess spiped(String role, int source, int target, Path key, String... flags) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("spiped", role, "-s", "[127.0.0.1]:" + source,
                "-t", "[127.0.0.1]:" + target, "-k", key.toString(), "-F", "-o", "2"));
        cmd.addAll(List.of(flags));
        ExternalProcess p = start(cmd);
        Poll.until(Duration.ofSeconds(10), "spiped on " + source, () -> Poll.accepts(source) || !p.process.isAlive());
        if (!p.process.isAlive()) {
            throw new IllegalStateException("spiped exited: " + p.output());
        }
        return p;
    }

    /** A throw-away redis-server on {@code port}, returned once it answers. */
    /** A throw-away redis-server on {@code port}, with {@code options} ("--rename-command", "DEBUG", "") added. */
    public static ExternalProcess redis(int port, String... options) throws IOException {
        List<String> command = new java.util.ArrayList<>(List.of("redis-server", "--port", Integer.toString(port), "--bind",
                "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no"));
        command.addAll(List.of(options));
        ExternalProcess p = start(command);
        Poll.until(Duration.ofSeconds(10), "redis-server on " + port, () -> Poll.accepts(port));
        return p;
    }

    public String output() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no output: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() throws Exception {
        process.destroyForcibly().waitFor();
        Files.deleteIfExists(log);
    }
}
