/** The node's HOCON configuration read into immutable settings, one reader per block, with every error naming its path. */
package io.cloakmesh.node.config;
