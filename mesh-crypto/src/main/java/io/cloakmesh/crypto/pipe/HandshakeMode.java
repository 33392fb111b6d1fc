package io.cloakmesh.crypto.pipe;

/** How this side treats perfect forward secrecy; see the pairing table in docs/protocol.md. */
public enum HandshakeMode {
    /** Real Diffie-Hellman; a {@code -f} peer is accepted and the session then has no PFS. */
    PFS,
    /** spiped's {@code -f}: send y = 1 and do no modular exponentiation; the session has no PFS. */
    WEAK,
    /** spiped's {@code -g}: real Diffie-Hellman, and a peer that sends y = 1 is refused. */
    REQUIRE_PFS
}
