/** Test helpers: polling with a deadline and real programs (redis-server, spiped) started for a test. */
package io.cloakmesh.node.testing;
