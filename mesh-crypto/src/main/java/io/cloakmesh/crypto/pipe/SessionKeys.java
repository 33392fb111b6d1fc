package io.cloakmesh.crypto.pipe;

/**
 * The four 32-byte keys that protect one connection: AES and HMAC keys for client-to-server packets
 * (E_C, H_C) and for server-to-client packets (E_S, H_S).
 */
public record SessionKeys(byte[] clientCipherKey, byte[] clientMacKey, byte[] serverCipherKey, byte[] serverMacKey) {

    static SessionKeys fromDerived(byte[] dk2) {
        return new SessionKeys(slice(dk2, 0), slice(dk2, 32), slice(dk2, 64), slice(dk2, 96));
    }

    /** The sealer for what {@code self} sends. */
    public PacketSealer sealerFor(Role self) {
        return self == Role.CLIENT ? new PacketSealer(clientCipherKey, clientMacKey)
                : new PacketSealer(serverCipherKey, serverMacKey);
    }

    /** The opener for what {@code self} receives. */
    public PacketOpener openerFor(Role self) {
        return self == Role.CLIENT ? new PacketOpener(serverCipherKey, serverMacKey)
                : new PacketOpener(clientCipherKey, clientMacKey);
    }

    private static byte[] slice(byte[] source, int from) {
        return java.util.Arrays.copyOfRange(source, from, from + 32);
    }
}
