/** TLS contexts built from PEM files and Redis-named settings, and what a node certificate says about its holder. */
package io.cloakmesh.crypto.tls;
