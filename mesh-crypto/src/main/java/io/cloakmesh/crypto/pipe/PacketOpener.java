package io.cloakmesh.crypto.pipe;

import io.cloakmesh.crypto.ConstantTime;

/**
 * Authenticates and decrypts 1060-byte packets for one direction of one connection. The MAC is checked,
 * in constant time, before anything is decrypted. Not thread-safe.
 */
public final class PacketOpener extends PacketCrypto {
    private final byte[] expectedTag = new byte[Packets.MAC_LENGTH];

    PacketOpener(byte[] cipherKey, byte[] macKey) {
        super(cipherKey, macKey);
    }

    /**
     * Opens the packet at {@code src[off..off+1060)} into {@code dst} at {@code dstOff}, which needs 1028
     * bytes of room (the padding and length are decrypted too, then overwritten by the next packet).
     *
     * @return the payload length, 1 to 1024
     * @throws BadPacketException on a MAC mismatch (tampered, reordered, replayed or dropped packet) or an
     *     impossible length
     */
    public int open(byte[] src, int off, byte[] dst, int dstOff) throws BadPacketException {
        tag(src, off, expectedTag, 0);
        if (!ConstantTime.equals(expectedTag, 0, src, off + Packets.ENCRYPTED_LENGTH, Packets.MAC_LENGTH)) {
            throw new BadPacketException("packet MAC mismatch");
        }
        ctr(src, off, dst, dstOff);
        advance();
        int at = dstOff + Packets.MAX_PAYLOAD;
        int len = ((dst[at] & 0xff) << 24) | ((dst[at + 1] & 0xff) << 16) | ((dst[at + 2] & 0xff) << 8) | (dst[at + 3] & 0xff);
        if (len <= 0 || len > Packets.MAX_PAYLOAD) {
            throw new BadPacketException("packet length out of range");
        }
        return len;
    }
}
