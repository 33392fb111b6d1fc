package io.cloakmesh.node.config;

import java.util.List;
import java.util.Map;

/** A plain TCP export's targets, tried in order until one accepts. */
public record TcpTargets(List<HostPort> targets) implements ServiceDetails {
    public static TcpTargets read(Settings block) throws InvalidSettingException {
        return new TcpTargets(block.nonEmptyAddresses("targets", "target"));
    }

    @Override
    public Map<String, HostPort> addresses() {
        return ServiceDetails.listed("targets", targets);
    }
}
