package io.cloakmesh.node.mesh;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The real mesh-admin CLI (scripts/mesh-admin), run as a process against a test mesh's nodes. */
final class AdminCli {
    static final Path SCRIPT = Path.of("..", "scripts", "mesh-admin").toAbsolutePath().normalize();
    private static final ObjectMapper JSON = new ObjectMapper();

    record Run(int status, String out, String err) {
        JsonNode json() throws Exception {
            return JSON.readTree(out);
        }
    }

    private AdminCli() {
    }

    /** Runs mesh-admin against {@code node}'s admin API with the mesh's token. */
    static Run run(TestMesh mesh, MeshNodeProcess node, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(SCRIPT.toString(), "--url", "http://127.0.0.1:" + node.adminPort,
                "--token-file", mesh.tokenFile.toString()));
        command.addAll(List.of(args));
        return run(command);
    }

    static Run run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).start();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }
}
