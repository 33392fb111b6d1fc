/** TCP plumbing shared by the pipe and the mesh: accept limits and back-off, handshake budgets, the cluster port's gate. */
package io.cloakmesh.node.net;
