package io.cloakmesh.node.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What one service kind adds to an export's or an import's settings, read by that kind
 * ({@link KindReader}). The node checks the addresses and port ranges it names with every other
 * listener of the node, without knowing the kind.
 */
public interface ServiceDetails {
    /** Nothing beyond the settings every service has. */
    ServiceDetails NONE = new ServiceDetails() {
        @Override
        public String toString() {
            return "none";
        }
    };

    /** Hosts that must resolve, by their setting's path relative to the service's block. */
    default Map<String, HostPort> addresses() {
        return Map.of();
    }

    /** Each address of the list setting {@code setting} by its path ({@code setting[i]}). */
    static Map<String, HostPort> listed(String setting, List<HostPort> addresses) {
        Map<String, HostPort> named = new LinkedHashMap<>();
        for (int i = 0; i < addresses.size(); i++) {
            named.put(setting + "[" + i + "]", addresses.get(i));
        }
        return named;
    }

    /** A range of ports the service's import binds beside its listen address, if any. */
    default Optional<PortRange> ports() {
        return Optional.empty();
    }

    /** Ports {@code first..last}, set by the setting {@code setting} (relative to the service's block). */
    record PortRange(String setting, int first, int last) {
        boolean covers(int port) {
            return port >= first && port <= last;
        }

        boolean overlaps(PortRange other) {
            return other.first <= last && first <= other.last;
        }
    }
}
