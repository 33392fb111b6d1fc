package io.cloakmesh.crypto.pipe;

/** Sizes of the fixed packet format shared by {@link PacketSealer} and {@link PacketOpener}. */
public final class Packets {
    /** Largest plaintext one packet carries. */
    public static final int MAX_PAYLOAD = 1024;
    /** Padded plaintext plus its 4-byte length: the encrypted region. */
    static final int ENCRYPTED_LENGTH = MAX_PAYLOAD + 4;
    static final int MAC_LENGTH = 32;
    /** Every packet on the wire has exactly this size; there is no framing header. */
    public static final int PACKET_LENGTH = ENCRYPTED_LENGTH + MAC_LENGTH;

    private Packets() {
    }

    /** Wire bytes needed to carry {@code plaintextLength} bytes. */
    public static int sealedLength(int plaintextLength) {
        return ((plaintextLength + MAX_PAYLOAD - 1) / MAX_PAYLOAD) * PACKET_LENGTH;
    }

    /** Room an opener needs in its output for {@code packets} packets: the last one decrypts its padding too. */
    public static int openBufferLength(int packets) {
        return packets == 0 ? 0 : (packets - 1) * MAX_PAYLOAD + ENCRYPTED_LENGTH;
    }

    static void writeLong(byte[] dst, int off, long value) {
        for (int i = 7; i >= 0; i--) {
            dst[off + i] = (byte) value;
            value >>>= 8;
        }
    }
}
