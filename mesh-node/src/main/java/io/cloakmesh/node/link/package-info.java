/** Links between nodes: the entry's service imports and dialer, the exit's link listener and exports. */
package io.cloakmesh.node.link;
