package io.cloakmesh.node.config;

import java.util.Arrays;
import java.util.Optional;

/** What a service is, which decides the stages its connections run through (link.ConnectionStacks). */
public enum ServiceKind {
    /** Any TCP service: bytes pass unchanged. */
    TCP("tcp"),
    /** A whole Redis Cluster: one endpoint per node, addresses in replies rewritten to those endpoints. */
    REDIS_CLUSTER("redis-cluster");

    private final String setting;

    ServiceKind(String setting) {
        this.setting = setting;
    }

    /** How the kind is spelled in a node file. */
    public String setting() {
        return setting;
    }

    static Optional<ServiceKind> fromSetting(String value) {
        return Arrays.stream(values()).filter(k -> k.setting.equals(value)).findFirst();
    }

    static String known() {
        return String.join(", ", Arrays.stream(values()).map(ServiceKind::setting).toList());
    }
}
