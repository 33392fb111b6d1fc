package io.cloakmesh.node.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloakmesh.node.testing.ExternalProcess;
import io.cloakmesh.node.testing.Poll;
import io.cloakmesh.protocol.filter.CommandSpec;
import io.cloakmesh.protocol.filter.CommandTable;
import io.cloakmesh.protocol.filter.KeyFinder;
import io.cloakmesh.protocol.filter.KeySpec;
import io.cloakmesh.protocol.filter.TableDifferences;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Walks the whole command table with generated arguments and asks a real redis-server (COMMAND GETKEYS)
 * which keys each command names: the filter must find every key Redis finds (it may find more where
 * Redis's own procedure keeps fewer than the key specs say, as for GEORADIUS's two STORE options), and
 * it must agree exactly for most commands.
 */
class KeySpecsIT {
    private static ExternalProcess redis;
    private static int port;

    @BeforeAll
    static void start() throws Exception {
        port = Poll.freePort();
        redis = ExternalProcess.redis(port);
    }

    @AfterAll
    static void stop() throws Exception {
        redis.close();
    }

    /** What an export logs at start: the server's COMMAND compared with the bundled table. */
    @Test
    void theBundledTableIsTheServersOwnAndADisabledCommandIsNamed() throws Exception {
        try (RawRedis client = new RawRedis(port)) {
            String version = client.send(RawRedis.resp("INFO", "server")).reply().replaceAll("(?s).*redis_version:([^\r\n]+).*", "$1");
            TableDifferences same = TableDifferences.of(CommandTable.bundled(), client.send(RawRedis.resp("COMMAND")).value());
            assertTrue(!version.equals(CommandTable.bundled().redisVersion()) || same.none(),
                    "redis-server " + version + ", table of " + CommandTable.bundled().redisVersion() + ": " + same.describe(50));
        }
        int renamingPort = Poll.freePort();
        try (ExternalProcess renaming = ExternalProcess.redis(renamingPort, "--rename-command", "FLUSHDB", "XFLUSHDB",
                "--rename-command", "DEBUG", "");
                RawRedis client = new RawRedis(renamingPort)) {
            TableDifferences disabled = TableDifferences.of(CommandTable.bundled(),
                    client.send(RawRedis.resp("COMMAND")).value());
            // COMMAND names a renamed command by its own name: only the disabled one shows.
            assertEquals(Set.of("DEBUG"), disabled.onlyInTable(), disabled.describe(50));
            assertTrue(disabled.onlyOnServer().isEmpty() && disabled.arityDiffers().isEmpty(), disabled.describe(50));
            assertEquals("1 the table has, the server lacks (older, renamed or disabled there): DEBUG", disabled.describe(5));
        }
    }

    @Test
    void theFilterFindsEveryKeyRedisFinds() throws Exception {
        List<String> missed = new ArrayList<>();
        int compared = 0;
        int exact = 0;
        int keyed = 0;
        try (RawRedis client = new RawRedis(port)) {
            for (CommandSpec top : CommandTable.bundled().commands().values()) {
                List<CommandSpec> specs = top.subcommands().isEmpty() ? List.of(top) : List.copyOf(top.subcommands().values());
                for (CommandSpec spec : specs) {
                    if (spec.keySpecs().stream().allMatch(KeySpec::notKey)) {
                        continue;
                    }
                    keyed++;
                    List<String> argv = arguments(spec);
                    String[] getkeys = new String[argv.size() + 2];
                    getkeys[0] = "COMMAND";
                    getkeys[1] = "GETKEYS";
                    for (int i = 0; i < argv.size(); i++) {
                        getkeys[i + 2] = argv.get(i);
                    }
                    String reply = client.send(RawRedis.resp(getkeys)).reply();
                    if (!reply.startsWith("*")) {
                        continue;  // Redis refuses these arguments: nothing to compare
                    }
                    compared++;
                    List<String> redisKeys = reply.equals("*[]") ? List.of()
                            : List.of(reply.substring(2, reply.length() - 1).split(", ")).stream().map(k -> k.substring(1)).toList();
                    List<byte[]> bytes = argv.stream().map(a -> a.getBytes(StandardCharsets.UTF_8)).toList();
                    KeyFinder.Result result = KeyFinder.find(spec, bytes);
                    List<String> ours = result instanceof KeyFinder.Keys keys
                            ? keys.positions().stream().map(argv::get).toList() : List.of();
                    if (!ours.containsAll(redisKeys)) {
                        missed.add(String.join(" ", argv) + ": Redis " + redisKeys + ", filter " + ours);
                    } else if (ours.equals(redisKeys)) {
                        exact++;
                    }
                }
            }
        }
        assertTrue(missed.isEmpty(), "keys Redis finds and the filter does not:\n" + String.join("\n", missed));
        assertTrue(compared >= keyed * 8 / 10, "compared " + compared + " of " + keyed + " commands with keys");
        assertTrue(exact >= compared * 9 / 10, "exact for " + exact + " of " + compared);
    }

    /**
     * Arguments that satisfy the command's arity and key specs: distinct words, a key count of 2 where a
     * spec reads one, and each spec's keyword where it looks for one.
     */
    private static List<String> arguments(CommandSpec spec) {
        List<String> argv = new ArrayList<>(List.of(spec.name().split("\\|")));
        int argc = Math.max(Math.abs(spec.arity()), argv.size() + 6);
        if (spec.arity() > 0) {
            argc = spec.arity();
        }
        int word = 0;
        while (argv.size() < argc) {
            argv.add("w" + (word++));
        }
        for (KeySpec ks : spec.keySpecs()) {
            int begin;
            if (ks.begin() instanceof KeySpec.AtIndex at) {
                begin = at.index();
            } else if (ks.begin() instanceof KeySpec.AfterKeyword kw && kw.startFrom() > 0 && kw.startFrom() < argv.size() - 1) {
                argv.set(kw.startFrom(), kw.keyword());
                begin = kw.startFrom() + 1;
            } else {
                continue;
            }
            if (ks.find() instanceof KeySpec.KeyNum kn && begin + kn.keyNumIndex() < argv.size()) {
                argv.set(begin + kn.keyNumIndex(), "2");
                while (argv.size() < begin + kn.firstKey() + 2 * kn.keyStep()) {
                    argv.add("w" + (word++));
                }
            }
        }
        return argv;
    }
}
