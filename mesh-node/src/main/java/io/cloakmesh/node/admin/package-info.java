/** The node's HTTP admin API: status, routing table and draining, behind a bearer token. */
package io.cloakmesh.node.admin;
