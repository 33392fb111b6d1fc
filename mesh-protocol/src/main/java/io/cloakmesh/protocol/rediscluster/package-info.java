/** A Redis Cluster through the mesh: its topology from its own replies, and the rewriting of the replies that name its nodes. */
package io.cloakmesh.protocol.rediscluster;
