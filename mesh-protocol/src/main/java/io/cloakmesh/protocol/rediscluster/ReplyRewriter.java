package io.cloakmesh.protocol.rediscluster;

import io.cloakmesh.protocol.resp.RespValue;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Puts each remote node's local endpoint in place of its real address in the replies that carry one:
 * MOVED/ASK, CLUSTER SLOTS, SHARDS, NODES and REPLICAS, ROLE and INFO, in RESP2 and RESP3 (see
 * shared/reference/redis-cluster-addresses.md). A node appears as the same {@code host:port} in every
 * reply; IP, hostname and the unknown endpoints ("", "?", null) all become it. The node the connection is
 * to calls itself by the endpoint the client reached it on. Pure: when a reply names a
 * node that has no endpoint yet, the answer is {@link Unmapped}, and the caller refreshes the topology
 * and asks again before the reply may leave.
 */
public final class ReplyRewriter {
    /** NODES lines of nodes that have no usable address: they are passed on as they are. */
    private static final Set<String> ADDRESSLESS_FLAGS = Set.of("noaddr", "handshake");
    private static final Pattern REPLICA_LINE = Pattern.compile("slave[0-9]+:.*");
    private static final Pattern LISTENER_LINE = Pattern.compile("listener[0-9]+:.*");

    private final EndpointMap endpoints;
    private final Endpoint own;

    /** @param own the endpoint this connection's client reached the node on (INFO's tcp_port becomes its port) */
    public ReplyRewriter(EndpointMap endpoints, Endpoint own) {
        this.endpoints = endpoints;
        this.own = own;
    }

    /** What became of a reply. */
    public sealed interface Result {
    }

    /** The reply to send on (the same object when nothing in it named a node). */
    public record Rewritten(RespValue reply) implements Result {
    }

    /** The reply names a node (by id, or by its real address) that has no local endpoint yet. */
    public record Unmapped(String node) implements Result {
    }

    /** An error reply: MOVED and ASK get the target's endpoint, every other error passes. */
    public Result error(RespValue.Error error) {
        String[] words = error.text().split(" ");
        if (words.length != 3 || !(words[0].equals("MOVED") || words[0].equals("ASK"))) {
            return new Rewritten(error);
        }
        int colon = words[2].lastIndexOf(':');
        if (colon < 0) {
            return new Rewritten(error);
        }
        String host = words[2].substring(0, colon);
        int port;
        try {
            port = Integer.parseInt(words[2].substring(colon + 1));
        } catch (NumberFormatException e) {
            return new Rewritten(error);
        }
        Optional<Endpoint> endpoint = endpoints.nodeAt(host, port).flatMap(endpoints::endpointOf);
        if (endpoint.isEmpty()) {
            return new Unmapped(words[2]);
        }
        return new Rewritten(new RespValue.Error(words[0] + " " + words[1] + " " + endpoint.get().text()));
    }

    /** CLUSTER SLOTS: each node entry's endpoint, port, and the ip and hostname of its metadata. */
    public Result slots(RespValue reply) {
        if (!(reply instanceof RespValue.Aggregate ranges)) {
            return new Rewritten(reply);
        }
        List<RespValue> rewrittenRanges = new ArrayList<>();
        for (RespValue rangeValue : ranges.elements()) {
            if (!(rangeValue instanceof RespValue.Aggregate range)) {
                return new Rewritten(reply);
            }
            List<RespValue> elements = new ArrayList<>(range.elements());
            for (int i = 2; i < elements.size(); i++) {
                if (!(elements.get(i) instanceof RespValue.Aggregate node) || node.elements().size() < 3) {
                    return new Rewritten(reply);
                }
                String id = textOrEmpty(node.elements().get(2));
                Optional<Endpoint> endpoint = endpoints.endpointOf(id);
                if (endpoint.isEmpty()) {
                    return new Unmapped(id);
                }
                List<RespValue> fields = new ArrayList<>(node.elements());
                fields.set(0, bulk(endpoint.get().host()));
                fields.set(1, new RespValue.Int(endpoint.get().port()));
                if (fields.size() > 3) {
                    fields.set(3, withHosts(fields.get(3), endpoint.get(), Set.of("ip", "hostname"), Set.of()));
                }
                elements.set(i, new RespValue.Aggregate(node.type(), fields));
            }
            rewrittenRanges.add(new RespValue.Aggregate(range.type(), elements));
        }
        return new Rewritten(new RespValue.Aggregate(ranges.type(), rewrittenRanges));
    }

    /** CLUSTER SHARDS: each node's ip, endpoint, hostname, port and tls-port. */
    public Result shards(RespValue reply) {
        if (!(reply instanceof RespValue.Aggregate shards)) {
            return new Rewritten(reply);
        }
        List<RespValue> rewrittenShards = new ArrayList<>();
        for (RespValue shard : shards.elements()) {
            List<RespValue> shardFields = flat(shard);
            if (shardFields == null) {
                return new Rewritten(reply);
            }
            List<RespValue> rewrittenShard = new ArrayList<>(shardFields);
            for (int i = 0; i + 1 < shardFields.size(); i += 2) {
                if (textOrEmpty(shardFields.get(i)).equals("nodes")
                        && shardFields.get(i + 1) instanceof RespValue.Aggregate nodes) {
                    List<RespValue> rewrittenNodes = new ArrayList<>();
                    for (RespValue node : nodes.elements()) {
                        String id = field(node, "id");
                        Optional<Endpoint> endpoint = endpoints.endpointOf(id);
                        if (endpoint.isEmpty()) {
                            return new Unmapped(id);
                        }
                        rewrittenNodes.add(withHosts(node, endpoint.get(), Set.of("ip", "endpoint", "hostname"),
                                Set.of("port", "tls-port")));
                    }
                    rewrittenShard.set(i + 1, new RespValue.Aggregate(nodes.type(), rewrittenNodes));
                }
            }
            rewrittenShards.add(shard instanceof RespValue.MapValue ? new RespValue.MapValue(rewrittenShard)
                    : new RespValue.Aggregate('*', rewrittenShard));
        }
        return new Rewritten(new RespValue.Aggregate(shards.type(), rewrittenShards));
    }

    /** CLUSTER NODES: a bulk string (RESP2) or verbatim string (RESP3) of lines, one per node. */
    public Result nodes(RespValue reply) {
        byte[] text = text(reply);
        if (text == null) {
            return new Rewritten(reply);
        }
        StringBuilder out = new StringBuilder();
        for (String line : new String(text, StandardCharsets.ISO_8859_1).split("\n", -1)) {
            if (!out.isEmpty()) {
                out.append('\n');
            }
            Optional<String> rewritten = nodeLine(line);
            if (rewritten.isEmpty()) {
                return new Unmapped(line.split(" ", 2)[0]);
            }
            out.append(rewritten.get());
        }
        return new Rewritten(withText(reply, out.toString().getBytes(StandardCharsets.ISO_8859_1)));
    }

    /** CLUSTER REPLICAS / SLAVES: an array of NODES lines, each its own bulk string. */
    public Result replicas(RespValue reply) {
        if (!(reply instanceof RespValue.Aggregate lines)) {
            return new Rewritten(reply);
        }
        List<RespValue> rewritten = new ArrayList<>();
        for (RespValue line : lines.elements()) {
            Result one = nodes(line);
            if (one instanceof Unmapped) {
                return one;
            }
            rewritten.add(((Rewritten) one).reply());
        }
        return new Rewritten(new RespValue.Aggregate(lines.type(), rewritten));
    }

    /**
     * ROLE: a primary lists its replicas as [ip, port, offset] with the port a bulk string; a replica names
     * its primary as ip and integer port (fields 1 and 2).
     */
    public Result role(RespValue reply) {
        if (!(reply instanceof RespValue.Aggregate role) || role.elements().isEmpty()) {
            return new Rewritten(reply);
        }
        List<RespValue> fields = new ArrayList<>(role.elements());
        String kind = textOrEmpty(fields.get(0));
        if (kind.equals("master") && fields.size() >= 3 && fields.get(2) instanceof RespValue.Aggregate replicas) {
            List<RespValue> rewritten = new ArrayList<>();
            for (RespValue replicaValue : replicas.elements()) {
                if (!(replicaValue instanceof RespValue.Aggregate replica) || replica.elements().size() < 2) {
                    return new Rewritten(reply);
                }
                List<RespValue> replicaFields = new ArrayList<>(replica.elements());
                Optional<Endpoint> endpoint = endpointAt(textOrEmpty(replicaFields.get(0)), textOrEmpty(replicaFields.get(1)));
                if (endpoint.isEmpty()) {
                    return new Unmapped(textOrEmpty(replicaFields.get(0)) + ":" + textOrEmpty(replicaFields.get(1)));
                }
                replicaFields.set(0, bulk(endpoint.get().host()));
                replicaFields.set(1, bulk(Integer.toString(endpoint.get().port())));
                rewritten.add(new RespValue.Aggregate(replica.type(), replicaFields));
            }
            fields.set(2, new RespValue.Aggregate(replicas.type(), rewritten));
        } else if (kind.equals("slave") && fields.size() >= 3 && fields.get(2) instanceof RespValue.Int port) {
            String host = textOrEmpty(fields.get(1));
            Optional<Endpoint> endpoint = endpointAt(host, Long.toString(port.value()));
            if (endpoint.isEmpty()) {
                return new Unmapped(host + ":" + port.value());
            }
            fields.set(1, bulk(endpoint.get().host()));
            fields.set(2, new RespValue.Int(endpoint.get().port()));
        } else {
            return new Rewritten(reply);
        }
        return new Rewritten(new RespValue.Aggregate(role.type(), fields));
    }

    /**
     * INFO (any sections; a bulk string in RESP2, verbatim in RESP3): the replication section's
     * {@code slaveN:ip=...,port=...} lines and {@code master_host}/{@code master_port} pair, and the server
     * section's own {@code tcp_port} and (Redis 7.2 on) {@code listenerN:...,bind=...,port=...} lines, which
     * become the connection's endpoint. Every other line passes as it is.
     */
    public Result info(RespValue reply) {
        byte[] text = text(reply);
        if (text == null) {
            return new Rewritten(reply);
        }
        String[] lines = new String(text, StandardCharsets.ISO_8859_1).split("\n", -1);
        int masterHost = -1;
        int masterPort = -1;
        boolean changed = false;
        for (int i = 0; i < lines.length; i++) {
            String line = stripCr(lines[i]);
            if (line.startsWith("tcp_port:")) {
                lines[i] = withSameEnding(lines[i], "tcp_port:" + own.port());
                changed = true;
            } else if (LISTENER_LINE.matcher(line).matches()) {
                lines[i] = withSameEnding(lines[i], listenerLine(line));
                changed = true;
            } else if (line.startsWith("master_host:")) {
                masterHost = i;
            } else if (line.startsWith("master_port:")) {
                masterPort = i;
            } else if (REPLICA_LINE.matcher(line).matches()) {
                Optional<String> replica = replicaLine(lines[i]);
                if (replica.isEmpty()) {
                    return new Unmapped(line);
                }
                changed |= !replica.get().equals(lines[i]);
                lines[i] = replica.get();
            }
        }
        if (masterHost >= 0 && masterPort >= 0) {
            String host = stripCr(lines[masterHost]).substring("master_host:".length());
            String port = stripCr(lines[masterPort]).substring("master_port:".length());
            Optional<Endpoint> endpoint = endpointAt(host, port);
            if (endpoint.isEmpty()) {
                return new Unmapped(host + ":" + port);
            }
            lines[masterHost] = withSameEnding(lines[masterHost], "master_host:" + endpoint.get().host());
            lines[masterPort] = withSameEnding(lines[masterPort], "master_port:" + endpoint.get().port());
            changed = true;
        }
        return changed ? new Rewritten(withText(reply, String.join("\n", lines).getBytes(StandardCharsets.ISO_8859_1)))
                : new Rewritten(reply);
    }

    /**
     * One {@code slaveN:ip=...,port=...,state=...} line with the replica's endpoint in place of its ip and
     * port; the line as it is when it names no address; empty when the replica has no endpoint.
     */
    private Optional<String> replicaLine(String line) {
        String body = stripCr(line);
        int colon = body.indexOf(':');
        String[] pairs = body.substring(colon + 1).split(",", -1);
        String host = null;
        String port = null;
        for (String pair : pairs) {
            if (pair.startsWith("ip=")) {
                host = pair.substring(3);
            } else if (pair.startsWith("port=")) {
                port = pair.substring(5);
            }
        }
        if (host == null || port == null) {
            return Optional.of(line);
        }
        Optional<Endpoint> endpoint = endpointAt(host, port);
        if (endpoint.isEmpty()) {
            return Optional.empty();
        }
        for (int j = 0; j < pairs.length; j++) {
            if (pairs[j].startsWith("ip=")) {
                pairs[j] = "ip=" + endpoint.get().host();
            } else if (pairs[j].startsWith("port=")) {
                pairs[j] = "port=" + endpoint.get().port();
            }
        }
        return Optional.of(withSameEnding(line, body.substring(0, colon + 1) + String.join(",", pairs)));
    }

    /** {@code listenerN:name=tcp,bind=*,bind=-::*,port=6379} with every bind and port naming this connection's endpoint. */
    private String listenerLine(String line) {
        int colon = line.indexOf(':');
        String[] pairs = line.substring(colon + 1).split(",", -1);
        for (int j = 0; j < pairs.length; j++) {
            if (pairs[j].startsWith("bind=")) {
                pairs[j] = "bind=" + own.host();
            } else if (pairs[j].startsWith("port=")) {
                pairs[j] = "port=" + own.port();
            }
        }
        return line.substring(0, colon + 1) + String.join(",", pairs);
    }

    /** The endpoint of the node the cluster names {@code host:port}; empty if none, or the port is not a number. */
    private Optional<Endpoint> endpointAt(String host, String port) {
        try {
            return endpoints.nodeAt(host, Integer.parseInt(port)).flatMap(endpoints::endpointOf);
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static String stripCr(String line) {
        return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
    }

    private static String withSameEnding(String original, String replacement) {
        return original.endsWith("\r") ? replacement + "\r" : replacement;
    }

    /** The text of a bulk (RESP2) or verbatim (RESP3) string reply; null for any other reply. */
    private static byte[] text(RespValue reply) {
        if (reply instanceof RespValue.Bulk bulk && !bulk.error()) {
            return bulk.bytes();
        }
        if (reply instanceof RespValue.Verbatim verbatim) {
            return verbatim.text();
        }
        return null;
    }

    /** A reply of the same kind as {@code reply} (bulk or verbatim, same format) with new text. */
    private static RespValue withText(RespValue reply, byte[] text) {
        return reply instanceof RespValue.Verbatim v ? new RespValue.Verbatim(v.format(), text) : new RespValue.Bulk(text, false);
    }

    /**
     * {@code <id> <ip>:<port>@<cport>[,<hostname>] <flags> ...} with the node's endpoint; empty when the
     * node has an address but no endpoint yet. Blank lines and address-less nodes pass as they are. The
     * bus port becomes 0, as Redis shows it for a node without an address: no bus is reachable through
     * the mesh, and the real one is not the client's to know.
     */
    private Optional<String> nodeLine(String line) {
        String[] fields = line.split(" ", -1);
        if (fields.length < 3 || fields[1].isEmpty()) {
            return Optional.of(line);
        }
        for (String flag : fields[2].split(",")) {
            if (ADDRESSLESS_FLAGS.contains(flag)) {
                return Optional.of(line);
            }
        }
        Optional<Endpoint> endpoint = endpoints.endpointOf(fields[0]);
        if (endpoint.isEmpty()) {
            return Optional.empty();
        }
        String address = fields[1];
        int at = address.indexOf('@');
        int comma = address.indexOf(',', Math.max(at, 0));
        fields[1] = endpoint.get().text() + (at < 0 ? "" : "@0") + (comma < 0 ? "" : "," + endpoint.get().host());
        return Optional.of(String.join(" ", fields));
    }

    /** A map (RESP3) or flat key/value array (RESP2) with the named host and port fields replaced. */
    private static RespValue withHosts(RespValue map, Endpoint endpoint, Set<String> hostFields, Set<String> portFields) {
        List<RespValue> flat = flat(map);
        if (flat == null) {
            return map;
        }
        List<RespValue> out = new ArrayList<>(flat);
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            String key = textOrEmpty(flat.get(i));
            if (hostFields.contains(key)) {
                out.set(i + 1, bulk(endpoint.host()));
            } else if (portFields.contains(key)) {
                out.set(i + 1, new RespValue.Int(endpoint.port()));
            }
        }
        return map instanceof RespValue.MapValue ? new RespValue.MapValue(out) : new RespValue.Aggregate('*', out);
    }

    private static List<RespValue> flat(RespValue map) {
        if (map instanceof RespValue.MapValue m) {
            return m.keysAndValues();
        }
        if (map instanceof RespValue.Aggregate a && a.type() == '*' && a.elements().size() % 2 == 0) {
            return a.elements();
        }
        return null;
    }

    private static String field(RespValue map, String name) {
        List<RespValue> flat = flat(map);
        if (flat != null) {
            for (int i = 0; i + 1 < flat.size(); i += 2) {
                if (textOrEmpty(flat.get(i)).equals(name)) {
                    return textOrEmpty(flat.get(i + 1));
                }
            }
        }
        return "";
    }

    private static String textOrEmpty(RespValue value) {
        if (value instanceof RespValue.Bulk b && !b.error()) {
            return new String(b.bytes(), StandardCharsets.ISO_8859_1);
        }
        if (value instanceof RespValue.Simple s) {
            return s.text();
        }
        return "";
    }

    private static RespValue bulk(String text) {
        return new RespValue.Bulk(text.getBytes(StandardCharsets.ISO_8859_1), false);
    }
}
