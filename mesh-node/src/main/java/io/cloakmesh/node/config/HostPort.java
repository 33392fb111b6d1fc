package io.cloakmesh.node.config;

import java.net.InetSocketAddress;

/** A {@code host:port} setting ({@code [v6]:port} for IPv6 literals); port 0 means "any free port". */
public record HostPort(String host, int port) {
    static HostPort parse(String path, String value) throws InvalidSettingException {
        int colon = value.lastIndexOf(':');
        if (colon <= 0 || colon == value.length() - 1) {
            throw new InvalidSettingException(path, "expected host:port, got \"" + value + "\"");
        }
        String host = value.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            throw new InvalidSettingException(path, "write an IPv6 address in brackets: [" + host + "]:port");
        }
        int port;
        try {
            port = Integer.parseInt(value.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new InvalidSettingException(path, "port is not a number in \"" + value + "\"");
        }
        if (port < 0 || port > 65535) {
            throw new InvalidSettingException(path, "port " + port + " is out of range 0-65535");
        }
        if (host.isBlank()) {
            throw new InvalidSettingException(path, "no host in \"" + value + "\"");
        }
        return new HostPort(host, port);
    }

    /** An address that means every interface of the host, which no client can connect to. */
    static boolean isWildcard(String host) {
        return host.equals("0.0.0.0") || host.equals("::") || host.equals("0:0:0:0:0:0:0:0");
    }

    public InetSocketAddress unresolved() {
        return InetSocketAddress.createUnresolved(host, port);
    }

    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
