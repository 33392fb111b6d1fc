/** The mesh-node executable: its command line and process life-cycle. */
package io.cloakmesh.node;
