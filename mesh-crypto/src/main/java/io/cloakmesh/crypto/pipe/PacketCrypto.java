package io.cloakmesh.crypto.pipe;

import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.ShortBufferException;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * What sealing and opening share: AES-256-CTR keyed per direction with the counter block
 * BE64(packet number) ‖ BE64(block index), and HMAC-SHA256 over ciphertext ‖ BE64(packet number).
 *
 * <p>The JDK's JCE provides both because HotSpot compiles AES-CTR and SHA-256 to AES-NI and SHA-NI
 * intrinsics; Bouncy Castle's pure-Java versions are several times slower on the data path. All scratch
 * buffers are allocated once per direction, so the per-packet path allocates only the IV spec.
 */
abstract class PacketCrypto {
    private final Cipher aes;
    private final SecretKeySpec cipherKey;
    private final Mac mac;
    private final byte[] iv = new byte[16];
    private final byte[] packetNumber = new byte[8];
    private long counter;

    PacketCrypto(byte[] cipherKey, byte[] macKey) {
        try {
            this.aes = Cipher.getInstance("AES/CTR/NoPadding");
            this.cipherKey = new SecretKeySpec(cipherKey, "AES");
            this.mac = Mac.getInstance("HmacSHA256");
            this.mac.init(new SecretKeySpec(macKey, "HmacSHA256"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/CTR and HmacSHA256 are required by every Java platform", e);
        }
    }

    /**
     * XORs the current packet's keystream over the encrypted region of {@code src} into {@code dst}. CTR
     * encryption and decryption are the same operation, so both directions call this.
     */
    final void ctr(byte[] src, int srcOff, byte[] dst, int dstOff) {
        Packets.writeLong(iv, 0, counter);
        try {
            aes.init(Cipher.ENCRYPT_MODE, cipherKey, new IvParameterSpec(iv));
            aes.doFinal(src, srcOff, Packets.ENCRYPTED_LENGTH, dst, dstOff);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-CTR failed on a fixed-size block", e);
        }
    }

    /** HMAC over the ciphertext at {@code ct} and the current packet number, written to {@code out}. */
    final void tag(byte[] ct, int ctOff, byte[] out, int outOff) {
        Packets.writeLong(packetNumber, 0, counter);
        mac.update(ct, ctOff, Packets.ENCRYPTED_LENGTH);
        mac.update(packetNumber);
        try {
            mac.doFinal(out, outOff);
        } catch (ShortBufferException e) {
            throw new IllegalStateException("MAC output buffer too short", e);
        }
    }

    /** Moves to the next packet number; numbers are never sent, so both ends count in step. */
    final void advance() {
        counter++;
    }
}
