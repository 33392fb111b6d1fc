/** The routing tables in Distributed Data: who exports which service, and which exporter an entry picks. */
package io.cloakmesh.node.routing;
