/** mesh-admin: the operator's CLI, talking HTTP to any mesh node's admin API. */
package io.cloakmesh.admin;
