package io.cloakmesh.protocol.rediscluster;

/** Where a client of the mesh reaches one remote Redis node: a local host and port. */
public record Endpoint(String host, int port) {

    /** "host:port", the one spelling every rewritten reply uses for this node. */
    public String text() {
        return host + ":" + port;
    }
}
