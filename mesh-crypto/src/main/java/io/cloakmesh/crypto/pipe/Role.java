package io.cloakmesh.crypto.pipe;

/**
 * Which end of a pipe this is. Nothing on the wire says so, but the order of the handshake messages and
 * which key set protects each direction depend on it, so a client must always talk to a server.
 */
public enum Role {
    /** The encrypting side ({@code spiped -e}): accepts plaintext, connects out encrypted. */
    CLIENT,
    /** The decrypting side ({@code spiped -d}): accepts encrypted, connects out plaintext. */
    SERVER
}
