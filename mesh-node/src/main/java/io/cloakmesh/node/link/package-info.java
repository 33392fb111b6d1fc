/** Links between nodes: the service kinds, the entry and exit stacks, imports and their dialer, the exit's link listener and exports. */
package io.cloakmesh.node.link;
