/** The node's HTTP admin API and agent: mesh-wide status, routing, drain and reload, behind a bearer token; the node it serves is a ManagedNode. */
package io.cloakmesh.node.admin;
