package io.cloakmesh.protocol.rediscluster;

import io.cloakmesh.protocol.resp.RespValue;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a {@link RedisTopology} from a CLUSTER SHARDS reply (7.0+; maps in RESP3, flat key/value
 * arrays in RESP2) or, on older servers, from CLUSTER SLOTS. Pure: a reply in, a model or a
 * {@link MalformedTopologyException} out, in the manner of Lettuce's ClusterSlotsParser.
 */
public final class TopologyParser {

    private TopologyParser() {
    }

    /** A reply that does not have the shape of the command's documented reply. */
    public static final class MalformedTopologyException extends Exception {
        MalformedTopologyException(String message) {
            super(message);
        }
    }

    public static RedisTopology fromShards(RespValue reply) throws MalformedTopologyException {
        List<Shard> shards = new ArrayList<>();
        for (RespValue shardValue : elements(reply, "CLUSTER SHARDS")) {
            Map<String, RespValue> shard = fields(shardValue, "a shard");
            List<Integer> bounds = new ArrayList<>();
            for (RespValue bound : elements(required(shard, "slots"), "slots")) {
                bounds.add((int) integer(bound, "a slot"));
            }
            if (bounds.size() % 2 != 0) {
                throw new MalformedTopologyException("a shard's slots are not start/end pairs");
            }
            List<SlotRange> slots = new ArrayList<>();
            for (int i = 0; i < bounds.size(); i += 2) {
                slots.add(new SlotRange(bounds.get(i), bounds.get(i + 1)));
            }
            List<RedisNode> nodes = new ArrayList<>();
            for (RespValue nodeValue : elements(required(shard, "nodes"), "nodes")) {
                Map<String, RespValue> node = fields(nodeValue, "a node");
                nodes.add(new RedisNode(text(required(node, "id"), "id"), optionalText(node, "ip"),
                        (int) optionalInteger(node, "port"), (int) optionalInteger(node, "tls-port"),
                        optionalText(node, "hostname"), text(required(node, "role"), "role").equals("master"),
                        node.containsKey("health") ? text(node.get("health"), "health") : "online"));
            }
            shards.add(new Shard(List.copyOf(slots), List.copyOf(nodes)));
        }
        return new RedisTopology(List.copyOf(shards));
    }

    /**
     * From CLUSTER SLOTS: one shard per primary, its ranges gathered. SLOTS leaves out failing and
     * syncing replicas and says nothing of health; {@code tls} tells which port it shows.
     */
    public static RedisTopology fromSlots(RespValue reply, boolean tls) throws MalformedTopologyException {
        Map<String, List<SlotRange>> slotsByPrimary = new LinkedHashMap<>();
        Map<String, List<RedisNode>> nodesByPrimary = new LinkedHashMap<>();
        for (RespValue rangeValue : elements(reply, "CLUSTER SLOTS")) {
            List<RespValue> range = elements(rangeValue, "a slot range");
            if (range.size() < 3) {
                throw new MalformedTopologyException("a slot range without its primary");
            }
            List<RedisNode> nodes = new ArrayList<>();
            for (int i = 2; i < range.size(); i++) {
                nodes.add(slotsNode(range.get(i), i == 2, tls));
            }
            String primary = nodes.get(0).id();
            slotsByPrimary.computeIfAbsent(primary, p -> new ArrayList<>())
                    .add(new SlotRange((int) integer(range.get(0), "a slot"), (int) integer(range.get(1), "a slot")));
            List<RedisNode> known = nodesByPrimary.computeIfAbsent(primary, p -> new ArrayList<>());
            for (RedisNode n : nodes) {
                if (known.stream().noneMatch(k -> k.id().equals(n.id()))) {
                    known.add(n);
                }
            }
        }
        List<Shard> shards = new ArrayList<>();
        slotsByPrimary.forEach((primary, slots) -> shards.add(new Shard(List.copyOf(slots), List.copyOf(nodesByPrimary.get(primary)))));
        return new RedisTopology(List.copyOf(shards));
    }

    private static RedisNode slotsNode(RespValue value, boolean primary, boolean tls) throws MalformedTopologyException {
        List<RespValue> node = elements(value, "a node");
        if (node.size() < 3) {
            throw new MalformedTopologyException("a node without its id (Redis before 4.0?)");
        }
        String endpoint = node.get(0) instanceof RespValue.Null ? "" : text(node.get(0), "an endpoint");
        int port = (int) integer(node.get(1), "a port");
        Map<String, RespValue> metadata = node.size() > 3 ? fields(node.get(3), "node metadata") : Map.of();
        String ip = metadata.containsKey("ip") ? text(metadata.get("ip"), "ip") : endpoint;
        String hostname = metadata.containsKey("hostname") ? text(metadata.get("hostname"), "hostname")
                : metadata.containsKey("ip") && !endpoint.equals("?") ? endpoint : "";
        return new RedisNode(text(node.get(2), "a node id"), ip, tls ? 0 : port, tls ? port : 0, hostname, primary,
                "online");
    }

    private static List<RespValue> elements(RespValue value, String what) throws MalformedTopologyException {
        if (value instanceof RespValue.Aggregate a) {
            return a.elements();
        }
        throw new MalformedTopologyException(what + " is not an array");
    }

    /** A RESP3 map, or the flat key/value array RESP2 sends in its place. */
    private static Map<String, RespValue> fields(RespValue value, String what) throws MalformedTopologyException {
        List<RespValue> flat;
        if (value instanceof RespValue.MapValue m) {
            flat = m.keysAndValues();
        } else if (value instanceof RespValue.Aggregate a && a.elements().size() % 2 == 0) {
            flat = a.elements();
        } else {
            throw new MalformedTopologyException(what + " is not a map");
        }
        Map<String, RespValue> fields = new LinkedHashMap<>();
        for (int i = 0; i < flat.size(); i += 2) {
            fields.put(text(flat.get(i), "a field name"), flat.get(i + 1));
        }
        return fields;
    }

    private static RespValue required(Map<String, RespValue> fields, String name) throws MalformedTopologyException {
        RespValue value = fields.get(name);
        if (value == null) {
            throw new MalformedTopologyException("no " + name + " field");
        }
        return value;
    }

    private static String optionalText(Map<String, RespValue> fields, String name) throws MalformedTopologyException {
        RespValue value = fields.get(name);
        return value == null || value instanceof RespValue.Null ? "" : text(value, name);
    }

    private static long optionalInteger(Map<String, RespValue> fields, String name) throws MalformedTopologyException {
        RespValue value = fields.get(name);
        return value == null ? 0 : integer(value, name);
    }

    static String text(RespValue value, String what) throws MalformedTopologyException {
        if (value instanceof RespValue.Bulk b && !b.error()) {
            return new String(b.bytes(), StandardCharsets.UTF_8);
        }
        if (value instanceof RespValue.Simple s) {
            return s.text();
        }
        throw new MalformedTopologyException(what + " is not a string");
    }

    private static long integer(RespValue value, String what) throws MalformedTopologyException {
        if (value instanceof RespValue.Int i) {
            return i.value();
        }
        throw new MalformedTopologyException(what + " is not an integer");
    }
}
