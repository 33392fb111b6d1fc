package io.cloakmesh.node.config;

import java.util.List;

/**
 * The settings part of a service kind: which keys it adds to an export's and an import's block, and
 * how it reads them. Each kind implements it (link.ServiceKinds lists them); {@link MeshSettings} asks
 * the kind a block names and never branches on the kind itself.
 */
public interface KindReader {
    /** How the kind is spelled in a node file ({@code kind = ...}). */
    String name();

    List<String> exportKeys();

    ServiceDetails readExport(Settings block) throws InvalidSettingException;

    List<String> importKeys();

    /** @param listen the import's listen address, already read */
    ServiceDetails readImport(Settings block, HostPort listen) throws InvalidSettingException;
}
