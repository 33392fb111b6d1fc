/** The transport seam: where every listener and dialer gets its TCP connections (Netty event loops or Pekko IO). */
package io.cloakmesh.node.transport;
