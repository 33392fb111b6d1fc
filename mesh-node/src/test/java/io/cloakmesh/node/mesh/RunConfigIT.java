package io.cloakmesh.node.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `mesh-node run` with a bad configuration, as the operator sees it: status 1 and the setting's path. */
class RunConfigIT {
    @TempDir
    Path dir;

    private record Result(int status, String stderr) {
    }

    private Result run(String conf) throws Exception {
        Path file = Files.writeString(dir.resolve("node.conf"), conf);
        Process p = new ProcessBuilder(MeshNodeProcess.LAUNCHER.toString(), "run", "--config", file.toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return new Result(p.exitValue(), err);
    }

    private Path key(String mode) throws Exception {
        Path key = Files.write(dir.resolve("mesh-" + mode + ".key"), new byte[32]);
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString(mode));
        return key;
    }

    @Test
    void invalidSettingExitsOneNamingIt() throws Exception {
        Result r = run("""
                cloakmesh { node { name = a1, datacenter = dc-a }, cluster.seed-nodes = ["127.0.0.1:1"]
                  link.security.key-file = "%s", imports.redis.listen = "127.0.0.1:nope" }
                """.formatted(key("rw-------")));
        assertEquals(1, r.status(), r.stderr());
        assertTrue(r.stderr().contains("cloakmesh.imports.redis.listen: port is not a number"), r.stderr());
    }

    @Test
    void keyFileReadableByOthersExitsOne() throws Exception {
        Result r = run("""
                cloakmesh { node { name = a1, datacenter = dc-a }, cluster.seed-nodes = ["127.0.0.1:1"]
                  link.security.key-file = "%s" }
                """.formatted(key("rw-r--r--")));
        assertEquals(1, r.status(), r.stderr());
        assertTrue(r.stderr().contains("cloakmesh.link.security.key-file") && r.stderr().contains("readable by other users"),
                r.stderr());
    }
}
