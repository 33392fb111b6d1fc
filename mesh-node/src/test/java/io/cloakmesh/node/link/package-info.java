/** Tests of the link stacks' parts on real sockets, without a mesh. */
package io.cloakmesh.node.link;
