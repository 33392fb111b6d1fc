package io.cloakmesh.protocol.rediscluster;

/**
 * One node of a Redis Cluster as CLUSTER SHARDS (or SLOTS) names it.
 *
 * @param ip "" when the cluster does not know it
 * @param port the plain client port, 0 if none
 * @param tlsPort the TLS client port, 0 if none
 * @param hostname its announced hostname, "" if none
 * @param health "online", "loading" or "fail" ("online" when the reply does not say)
 */
public record RedisNode(String id, String ip, int port, int tlsPort, String hostname, boolean primary, String health) {
}
