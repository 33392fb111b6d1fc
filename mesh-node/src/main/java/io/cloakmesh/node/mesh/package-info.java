/** A mesh node's life: configuration to Pekko settings, start-up, draining and shutdown. */
package io.cloakmesh.node.mesh;
