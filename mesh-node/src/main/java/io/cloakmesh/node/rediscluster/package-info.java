/** Redis Cluster services: learning a remote cluster's topology from its nodes. */
package io.cloakmesh.node.rediscluster;
