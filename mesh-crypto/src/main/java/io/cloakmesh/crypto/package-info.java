/** Secrets at rest and the primitives every protocol shares: key files, key derivation, constant-time checks. */
package io.cloakmesh.crypto;
