/** The mesh's own certificate authority: a CA, node certificates naming their node, PEM files written 0600. */
package io.cloakmesh.crypto.pki;
