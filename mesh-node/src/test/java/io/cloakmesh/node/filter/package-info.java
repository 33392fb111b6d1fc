/** The command filter against a real redis-server: rule kinds, reply order, transactions, dbs and bypasses. */
package io.cloakmesh.node.filter;
