package io.cloakmesh.node.config;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where an imported Redis Cluster's nodes are reached: each on {@code host} at a port of
 * {@code firstPort..lastPort}, kept for {@code grace} after the node left the cluster; a reply that
 * names a node without an endpoint waits at most {@code unmappedWait} for one.
 */
public record NodeEndpoints(String host, int firstPort, int lastPort, Duration grace, Duration unmappedWait)
        implements ServiceDetails {
    private static final Pattern RANGE = Pattern.compile("(\\d{1,5})\\s*-\\s*(\\d{1,5})");

    public static NodeEndpoints read(Settings i, HostPort listen) throws InvalidSettingException {
        String configured = i.string("host");
        String host = configured.isEmpty() ? listen.host() : configured;
        if (HostPort.isWildcard(host)) {
            throw new InvalidSettingException(i.full(configured.isEmpty() ? "listen" : "host"), host + " is a wildcard address: "
                    + "clients are sent to host:port, so host must be an address they can connect to (set host)");
        }
        String range = i.required("node-ports");
        Matcher m = RANGE.matcher(range);
        if (!m.matches()) {
            throw new InvalidSettingException(i.full("node-ports"), "\"" + range + "\" is not a port range such as 21000-21099");
        }
        int first = Integer.parseInt(m.group(1));
        int last = Integer.parseInt(m.group(2));
        if (first < 1 || last > 65535 || last < first) {
            throw new InvalidSettingException(i.full("node-ports"), range + " is not a port range within 1-65535");
        }
        if (listen.port() >= first && listen.port() <= last) {
            throw new InvalidSettingException(i.full("node-ports"), range + " contains the seed endpoint's port " + listen.port());
        }
        return new NodeEndpoints(host, first, last, i.duration("node-grace", true), i.duration("unmapped-wait", false));
    }

    @Override
    public Map<String, HostPort> addresses() {
        return Map.of("host", new HostPort(host, 1));
    }

    @Override
    public Optional<PortRange> ports() {
        return Optional.of(new PortRange("node-ports", firstPort, lastPort));
    }
}
