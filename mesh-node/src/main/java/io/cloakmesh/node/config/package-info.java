/** The node's HOCON configuration read into immutable settings, with every error naming its path. */
package io.cloakmesh.node.config;
