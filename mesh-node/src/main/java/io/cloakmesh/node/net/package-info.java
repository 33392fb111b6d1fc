/** TCP plumbing shared by the pipe and the mesh: accept limits and socket error reporting. */
package io.cloakmesh.node.net;
