/** A Redis Cluster's topology as its own replies describe it: pure parsers from RESP values to a model. */
package io.cloakmesh.protocol.rediscluster;
