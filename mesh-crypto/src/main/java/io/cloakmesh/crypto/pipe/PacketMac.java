package io.cloakmesh.crypto.pipe;

import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * HMAC-SHA256 (RFC 2104) under one key, for the packets of one direction: the inner and outer SHA-256
 * states are keyed once and cloned for each packet. {@code javax.crypto.Mac} hashes the padded key
 * again for every message, two of the twenty SHA-256 blocks a 1060-byte packet's tag costs.
 */
final class PacketMac {
    static final int LENGTH = 32;
    private static final int BLOCK = 64;

    private final MessageDigest keyedInner;
    private final MessageDigest keyedOuter;
    private final byte[] innerHash = new byte[LENGTH];

    PacketMac(byte[] key) {
        try {
            byte[] k = key.length > BLOCK ? MessageDigest.getInstance("SHA-256").digest(key) : key;
            byte[] ipad = new byte[BLOCK];
            byte[] opad = new byte[BLOCK];
            for (int i = 0; i < BLOCK; i++) {
                byte b = i < k.length ? k[i] : 0;
                ipad[i] = (byte) (b ^ 0x36);
                opad[i] = (byte) (b ^ 0x5c);
            }
            keyedInner = MessageDigest.getInstance("SHA-256");
            keyedInner.update(ipad);
            keyedOuter = MessageDigest.getInstance("SHA-256");
            keyedOuter.update(opad);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }

    /** The tag of {@code data[off..off+len)} followed by {@code suffix}, written to {@code out} at {@code outOff}. */
    void tag(byte[] data, int off, int len, byte[] suffix, byte[] out, int outOff) {
        try {
            MessageDigest inner = (MessageDigest) keyedInner.clone();
            inner.update(data, off, len);
            inner.update(suffix);
            inner.digest(innerHash, 0, LENGTH);
            MessageDigest outer = (MessageDigest) keyedOuter.clone();
            outer.update(innerHash);
            outer.digest(out, outOff, LENGTH);
        } catch (CloneNotSupportedException | DigestException e) {
            throw new IllegalStateException("SHA-256 failed on a fixed-size buffer", e);
        }
    }
}
