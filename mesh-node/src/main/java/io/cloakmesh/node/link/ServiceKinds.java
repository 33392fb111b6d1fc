package io.cloakmesh.node.link;

import io.cloakmesh.node.config.KindCatalog;
import io.cloakmesh.node.config.KindReader;
import java.util.List;
import java.util.Optional;

/**
 * The registry of service kinds: the only place that tells them apart. A new kind is one class
 * implementing {@link ServiceKind}, listed here.
 */
public final class ServiceKinds implements KindCatalog {
    /** Every kind this build knows. */
    public static final ServiceKinds ALL = new ServiceKinds(List.of(new TcpKind(), new RedisClusterKind()));

    private final List<ServiceKind> kinds;

    private ServiceKinds(List<ServiceKind> kinds) {
        this.kinds = kinds;
    }

    @Override
    public Optional<KindReader> reader(String kind) {
        return find(kind).map(k -> k);
    }

    @Override
    public List<KindReader> readers() {
        return List.copyOf(kinds);
    }

    /** The kind of settings that {@link io.cloakmesh.node.config.MeshSettings} already read. */
    ServiceKind of(String kind) {
        return find(kind).orElseThrow(() -> new IllegalArgumentException("no service kind " + kind));
    }

    private Optional<ServiceKind> find(String kind) {
        return kinds.stream().filter(k -> k.name().equals(kind)).findFirst();
    }
}
