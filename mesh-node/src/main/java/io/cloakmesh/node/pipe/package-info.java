/** {@code mesh-node pipe}: a drop-in for spiped built on the pipe protocol's stream stages. */
package io.cloakmesh.node.pipe;
