package io.cloakmesh.node.mesh;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** One mesh node run by scripts/mesh-node as an operator would, and spoken to through its admin API. */
final class MeshNodeProcess implements AutoCloseable {
    static final Path LAUNCHER = Path.of("..", "scripts", "mesh-node").toAbsolutePath().normalize();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    final String name;
    final Path config;
    final int clusterPort;
    final int adminPort;
    final int linkPort;
    final int importPort;
    private final String token;
    private final Path log;
    private Process process;

    MeshNodeProcess(String name, Path config, int clusterPort, int adminPort, int linkPort, int importPort, String token)
            throws IOException {
        this.name = name;
        this.config = config;
        this.clusterPort = clusterPort;
        this.adminPort = adminPort;
        this.linkPort = linkPort;
        this.importPort = importPort;
        this.token = token;
        this.log = config.resolveSibling(name + ".log");
    }

    MeshNodeProcess start() throws IOException {
        return start(List.of(LAUNCHER.toString(), "run", "--config", config.toString()));
    }

    /** Starts the node with at most {@code files} open file descriptors (ulimit -n). */
    MeshNodeProcess startWithFileLimit(int files) throws IOException {
        return start(List.of("bash", "-c", "ulimit -n " + files + " && exec \"$0\" \"$@\"", LAUNCHER.toString(), "run",
                "--config", config.toString()));
    }

    private MeshNodeProcess start(List<String> command) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command);
        // Every buffer tracked, so that a leak shows in the log, which close() reads.
        builder.environment().put("CLOAKMESH_JAVA_OPTS", "-Dio.netty.leakDetection.level=paranoid");
        process = builder
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        return this;
    }

    long pid() {
        return process.pid();
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    JsonNode get(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(uri(path)).GET());
    }

    JsonNode post(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.noBody()));
    }

    JsonNode delete(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(uri(path)).DELETE());
    }

    /** The node's export or import counters for a service, or null. */
    JsonNode counters(String role, String service) throws IOException, InterruptedException {
        for (JsonNode s : get("/v1/node").get("counters")) {
            if (s.get("role").asText().equals(role) && s.get("service").asText().equals(service)) {
                return s;
            }
        }
        return null;
    }

    /** SIGSTOP: the node freezes, its sockets stay open; {@link #thaw()} lets it run on. */
    void freeze() throws IOException, InterruptedException {
        signal("STOP");
    }

    void thaw() throws IOException, InterruptedException {
        signal("CONT");
    }

    private void signal(String name) throws IOException, InterruptedException {
        int status = new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid())).start().waitFor();
        if (status != 0) {
            throw new IOException("kill -" + name + " " + process.pid() + " exited " + status);
        }
    }

    /** SIGKILL: a crash, no goodbye to the cluster. */
    void kill() throws InterruptedException {
        process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM, then the exit status once the node has drained and left. */
    int terminate(Duration timeout) throws InterruptedException {
        process.destroy();
        return waitForExit(timeout);
    }

    /** The exit status, once the process has ended by itself. */
    int waitForExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError(name + " did not exit within " + timeout + ":\n" + output());
        }
        return process.exitValue();
    }

    String output() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** The first frame of the node's web console feed (GET /v1/console/events). */
    JsonNode consoleFrame() throws IOException, InterruptedException {
        HttpResponse<java.io.InputStream> response = HTTP.send(HttpRequest.newBuilder(uri("/v1/console/events"))
                .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofInputStream());
        try (java.io.BufferedReader events = new java.io.BufferedReader(new java.io.InputStreamReader(response.body(),
                java.nio.charset.StandardCharsets.UTF_8))) {
            String line = events.readLine();
            if (response.statusCode() != 200 || line == null || !line.startsWith("data:")) {
                throw new IOException(name + " answered " + response.statusCode() + ": " + line);
            }
            return JSON.readTree(line.substring("data:".length()));
        }
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + adminPort + path);
    }

    private JsonNode send(HttpRequest.Builder request) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(request.header("Authorization", "Bearer " + token)
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException(name + " answered " + response.statusCode() + ": " + response.body());
        }
        return JSON.readTree(response.body());
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            kill();
        }
        if (process != null && output().contains("LEAK: ")) {
            throw new AssertionError(name + " reported a Netty buffer leak:\n" + output());
        }
    }
}
