package io.cloakmesh.node.config;

import java.util.List;
import java.util.Optional;

/** The service kinds a node knows, as {@link MeshSettings} reads them (link.ServiceKinds is the one registry). */
public interface KindCatalog {
    Optional<? extends KindReader> reader(String kind);

    List<? extends KindReader> readers();
}
