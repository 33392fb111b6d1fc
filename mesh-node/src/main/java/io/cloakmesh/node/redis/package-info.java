/** Short exchanges of the node itself with a Redis it exports: a command and its reply, the server's command table. */
package io.cloakmesh.node.redis;
