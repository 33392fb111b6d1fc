package io.cloakmesh.node.config;

/**
 * What the mesh itself authenticates with to a Redis Cluster that requires it.
 *
 * @param username "" = Redis's default user (AUTH with the password alone)
 */
public record RedisCredentials(String username, String password) {
    @Override
    public String toString() {
        return "RedisCredentials[" + (username.isEmpty() ? "default user" : username) + ", password hidden]";
    }
}
