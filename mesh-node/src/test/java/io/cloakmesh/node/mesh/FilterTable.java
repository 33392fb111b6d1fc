package io.cloakmesh.node.mesh;

import static io.cloakmesh.node.filter.RawRedis.resp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloakmesh.node.testing.Poll;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cloakmesh.node.filter.RawRedis;
import java.net.URI;
import java.util.concurrent.atomic.AtomicReference;
import java.time.Duration;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * One table of filter cases, run through a real mesh against a real Redis (a {@code tcp} export) and a
 * real Redis Cluster (a {@code redis-cluster} export) in both modes: every rule kind, block precedence,
 * multi-key commands, pipelines (reply order), MULTI/EXEC, SELECT, inline commands, scripts and RESP3.
 * Every key carries a hash tag, so a case's keys share a slot in a cluster. A case is one connection: its
 * requests are sent at once (a pipeline), each reply is checked in its place, and the keys it names as
 * never written must not exist in Redis afterwards.
 */
final class FilterTable {
    private static final String NOPERM = "-NOPERM cloakmesh filter: command blocked by rule ";

    /** What a reply must be: refused by a rule starting {@code rule}, passed by the filter, or starting {@code prefix}. */
    record Expect(String rule, String prefix) {
        boolean matches(String reply) {
            if (rule != null) {
                return reply.startsWith(NOPERM + rule);
            }
            return !reply.startsWith(NOPERM) && reply.startsWith(prefix);
        }

        @Override
        public String toString() {
            return rule != null ? "refused by " + rule : prefix.isEmpty() ? "passed" : "passed, \"" + prefix + "...\"";
        }
    }

    static Expect refused(String rule) {
        return new Expect(rule, null);
    }

    static final Expect PASSED = new Expect(null, "");

    static Expect starting(String prefix) {
        return new Expect(null, prefix);
    }

    /** @param strict the replies in strict mode; @param compat in compat mode (null: the same) */
    record Case(String what, String requests, List<Expect> strict, List<Expect> compat, List<String> neverWritten) {
    }

    record RuleSet(String rules, List<Case> cases) {
    }

    private static Case both(String what, String requests, List<Expect> replies, String... neverWritten) {
        return new Case(what, requests, replies, replies, List.of(neverWritten));
    }

    private static Case modes(String what, String requests, List<Expect> strict, List<Expect> compat) {
        return new Case(what, requests, strict, compat, List.of());
    }

    static final List<RuleSet> TABLE = List.of(
            new RuleSet("allow_keys = [\"{t1}:a\", \"{t1}:b\"]\nblock_keys = [\"{t1}:b\"]\n", List.of(
                    both("an allowed exact key", resp("SET", "{t1}:a", "1"), List.of(PASSED)),
                    both("a block rule wins over an allow rule", resp("SET", "{t1}:b", "1"), List.of(refused("block_keys[0]")),
                            "{t1}:b"),
                    both("a key no allow rule names", resp("SET", "{t1}:c", "1"), List.of(refused("allow_keys")), "{t1}:c"))),
            new RuleSet("allow_key_prefix = [\"{t1}:\"]\nblock_key_prefix = [\"{t1}:admin:\"]\n", List.of(
                    both("prefixes, block wins", resp("GET", "{t1}:x") + resp("GET", "{t1}:admin:x") + resp("GET", "{t2}:x"),
                            List.of(PASSED, refused("block_key_prefix[0]"), refused("allow_keys"))),
                    both("a multi-key command passes only if every key does",
                            resp("MSET", "{t1}:m1", "1", "{t1}:admin:m2", "2") + resp("MSET", "{t1}:m3", "3", "{t1}:m4", "4"),
                            List.of(refused("block_key_prefix[0]"), starting("+OK")), "{t1}:m1", "{t1}:admin:m2"),
                    both("a pipeline gets each refusal in its own place",
                            resp("SET", "{t1}:p", "1") + resp("SET", "{t2}:p", "1") + resp("GET", "{t1}:p") + resp("PING"),
                            List.of(starting("+OK"), refused("allow_keys"), starting("$1"), starting("+PONG")), "{t2}:p"),
                    both("a transaction with a refused command aborts whole",
                            resp("MULTI") + resp("SET", "{t1}:tx", "1") + resp("SET", "{t2}:tx", "1") + resp("EXEC"),
                            List.of(starting("+OK"), starting("+QUEUED"), refused("allow_keys"), starting("-EXECABORT")),
                            "{t1}:tx", "{t2}:tx"),
                    both("inline commands are judged as Redis splits them",
                            "SET {t2}:in 1\r\nSET '{t1}:in' \"x y\"\r\nGET {t1}:in\r\n",
                            List.of(refused("allow_keys"), starting("+OK"), starting("$x y")), "{t2}:in"),
                    both("a RESP3 client gets the same refusals", resp("HELLO", "3") + resp("GET", "{t2}:x") + resp("GET", "{t1}:p3"),
                            List.of(starting("%"), refused("allow_keys"), starting("_"))),
                    modes("a keyless command that reveals keys", resp("KEYS", "*") + resp("DBSIZE"),
                            List.of(refused("strict: a command without keys"), refused("strict: a command without keys")),
                            List.of(PASSED, starting(":"))),
                    modes("a script", resp("EVAL", "return 1", "0"),
                            List.of(refused("strict: scripts and functions")), List.of(starting(":1"))),
                    modes("an unknown command", resp("NOSUCHCOMMAND", "{t1}:x"),
                            List.of(refused("strict: unknown command")), List.of(starting("-ERR unknown command"))))),
            new RuleSet("allow_key_suffix = [\":{t1}\"]\nblock_key_suffix = [\"lock:{t1}\"]\n", List.of(
                    both("suffixes, block wins", resp("SET", "a:{t1}", "1") + resp("SET", "lock:{t1}", "1")
                            + resp("SET", "a:{t2}", "1"), List.of(starting("+OK"), refused("block_key_suffix[0]"),
                            refused("allow_keys")), "lock:{t1}", "a:{t2}"))),
            new RuleSet("allow_key_regex = [\"^\\\\{t1\\\\}:[0-9]+$\"]\nblock_key_regex = [\"7\"]\n", List.of(
                    both("regexes (RE2, unanchored), block wins", resp("SET", "{t1}:12", "1") + resp("SET", "{t1}:17", "1")
                            + resp("SET", "{t1}:x", "1"), List.of(starting("+OK"), refused("block_key_regex[0]"),
                            refused("allow_keys")), "{t1}:17", "{t1}:x"))),
            new RuleSet("allow_db = [0, 2]\nblock_db = [2]\n", List.of(
                    both("commands in an allowed db", resp("SET", "{t1}:d", "1"), List.of(starting("+OK"))),
                    modes("SELECT of a db the rules refuse, or block", resp("SELECT", "1") + resp("SELECT", "2"),
                            List.of(refused("allow_db"), refused("block_db")), List.of(PASSED, PASSED)),
                    modes("MOVE to a db the rules refuse", resp("MOVE", "{t1}:d", "1"),
                            List.of(refused("allow_db")), List.of(PASSED)))),
            new RuleSet("allow_command = [GET, SET]\nblock_command = [SET]\n", List.of(
                    both("commands: block wins, connection control is never refused by an allow list",
                            resp("GET", "{t1}:c") + resp("SET", "{t1}:c", "1") + resp("DEL", "{t1}:c") + resp("PING"),
                            List.of(starting("_"), refused("block_command SET"),
                                    refused("allow_command"), starting("+PONG")), "{t1}:c"))),
            new RuleSet("allow_command_group = [STRING, hyperloglog]\nblock_command_group = [HYPERLOGLOG]\n"
                    + "block_command = [CONFIG]\n", List.of(
                    both("command groups: block wins; block_command before the groups",
                            resp("INCR", "{t1}:n") + resp("LPUSH", "{t1}:l", "x") + resp("PFADD", "{t1}:h", "x")
                                    + resp("CONFIG", "GET", "maxmemory"),
                            List.of(starting(":"), refused("allow_command_group"), refused("block_command_group HYPERLOGLOG"),
                                    refused("block_command CONFIG")), "{t1}:l", "{t1}:h"))));

    /**
     * Runs the whole table in both modes against the exports of {@code mesh} reached at {@code port}, each
     * rule set put in force on every exporter through the admin API of {@code admin}; {@code restore}
     * is put back after; only the cases {@code reachTheFilter} are run. Fails naming every case that went
     * otherwise.
     */
    static void runAll(TestMesh mesh, MeshNodeProcess admin, String service, int port, Predicate<String> exists,
            String restore, Predicate<Case> reachTheFilter) throws Exception {
        List<String> wrong = new ArrayList<>();
        try {
            for (RuleSet set : TABLE) {
                for (String mode : List.of("strict", "compat")) {
                    put(mesh, admin, service, "mode = " + mode + "\n" + set.rules());
                    String failed = run(set, mode, port, exists, reachTheFilter);
                    if (!failed.isEmpty()) {
                        wrong.add("rules " + set.rules().replace("\n", "; ") + "\n" + failed);
                    }
                }
            }
        } finally {
            put(mesh, admin, service, restore);
        }
        assertEquals("", String.join("\n", wrong));
    }

    /**
     * Puts {@code rules} in force on every exporter of {@code service}, checking each took them. The put is
     * repeated (it is idempotent) until both exporters answer: an exporter an earlier test drained or failed
     * over is out of the routing table until its row is gossiped back.
     */
    static void put(TestMesh mesh, MeshNodeProcess admin, String service, String rules) throws Exception {
        AtomicReference<HttpResponse<String>> last = new AtomicReference<>();
        try {
            Poll.until(Duration.ofSeconds(30), "both exporters of " + service + " answering the put", () -> {
                last.set(putOnce(mesh, admin, service, rules));
                return last.get().statusCode() != 200 || exporters(last.get()).size() >= 2;
            });
        } catch (AssertionError timedOut) {
            // the assertions below say what the last answer was
        }
        HttpResponse<String> response = last.get();
        assertEquals(200, response.statusCode(), response.body());
        JsonNode nodes = exporters(response);
        assertEquals(2, nodes.size(), response.body());
        nodes.forEach(n -> assertTrue(n.path("ok").asBoolean(), response.body()));
    }

    private static HttpResponse<String> putOnce(TestMesh mesh, MeshNodeProcess admin, String service, String rules) {
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + admin.adminPort + "/v1/filters/" + service))
                    .header("Authorization", "Bearer " + mesh.token)
                    .PUT(HttpRequest.BodyPublishers.ofString(rules)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static JsonNode exporters(HttpResponse<String> response) {
        try {
            return new ObjectMapper().readTree(response.body()).path("nodes");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A case that did not go as the table says, described for the failure message. */
    private static String run(RuleSet set, String mode, int port, Predicate<String> exists, Predicate<Case> reachTheFilter)
            throws Exception {
        List<String> wrong = new ArrayList<>();
        for (Case c : set.cases().stream().filter(reachTheFilter).toList()) {
            List<Expect> expected = mode.equals("strict") ? c.strict() : c.compat();
            List<String> replies;
            try (RawRedis client = new RawRedis(port)) {
                replies = client.send(c.requests()).replies(expected.size());
            }
            for (int i = 0; i < expected.size(); i++) {
                if (!expected.get(i).matches(replies.get(i))) {
                    wrong.add(mode + " / " + c.what() + ": reply " + i + " was " + replies.get(i) + ", expected "
                            + expected.get(i));
                }
            }
            for (String key : c.neverWritten()) {
                if (exists.test(key)) {
                    wrong.add(mode + " / " + c.what() + ": " + key + " reached Redis");
                }
            }
        }
        return String.join("\n", wrong);
    }
}
