package io.cloakmesh.node.routing;

/** Marks what crosses the cluster; bound to Jackson CBOR in cloakmesh-mesh.conf (no Java serialization). */
public interface CborSerializable {
}
