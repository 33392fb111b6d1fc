package io.cloakmesh.crypto.pipe;

import java.util.Arrays;

/**
 * Turns plaintext into 1060-byte packets for one direction of one connection. Not thread-safe: one
 * sealer belongs to one stream stage.
 */
public final class PacketSealer extends PacketCrypto {
    private final byte[] padded = new byte[Packets.ENCRYPTED_LENGTH];

    PacketSealer(byte[] cipherKey, byte[] macKey) {
        super(cipherKey, macKey);
    }

    /**
     * Seals {@code len} bytes, cut into packets of at most 1024 bytes, into {@code dst}, which must have
     * {@link Packets#sealedLength(int)} bytes of room. Zero bytes seal to nothing: an empty packet would
     * make a spiped peer drop the connection.
     *
     * @return the number of bytes written
     */
    public int seal(byte[] src, int off, int len, byte[] dst, int dstOff) {
        int written = 0;
        while (len > 0) {
            int chunk = Math.min(len, Packets.MAX_PAYLOAD);
            sealOne(src, off, chunk, dst, dstOff + written);
            off += chunk;
            len -= chunk;
            written += Packets.PACKET_LENGTH;
        }
        return written;
    }

    private void sealOne(byte[] src, int off, int len, byte[] dst, int dstOff) {
        System.arraycopy(src, off, padded, 0, len);
        Arrays.fill(padded, len, Packets.MAX_PAYLOAD, (byte) 0);
        padded[Packets.MAX_PAYLOAD] = (byte) (len >>> 24);
        padded[Packets.MAX_PAYLOAD + 1] = (byte) (len >>> 16);
        padded[Packets.MAX_PAYLOAD + 2] = (byte) (len >>> 8);
        padded[Packets.MAX_PAYLOAD + 3] = (byte) len;
        ctr(padded, 0, dst, dstOff);
        tag(dst, dstOff, dst, dstOff + Packets.ENCRYPTED_LENGTH);
        advance();
    }
}
