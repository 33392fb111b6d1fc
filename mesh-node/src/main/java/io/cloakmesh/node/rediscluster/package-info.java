/** Redis Cluster services on an exit: learning a remote cluster's topology from its nodes and sharing it in Distributed Data. */
package io.cloakmesh.node.rediscluster;
