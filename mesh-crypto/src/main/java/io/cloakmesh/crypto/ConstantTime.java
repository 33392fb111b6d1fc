package io.cloakmesh.crypto;

/** Comparisons whose running time does not depend on where secret-dependent bytes differ. */
public final class ConstantTime {
    private ConstantTime() {
    }

    /**
     * Compares {@code len} bytes of two ranges. Every byte is always visited, so a MAC forger learns
     * nothing from how long a rejection took (the reason {@link java.util.Arrays#equals} is not used).
     */
    public static boolean equals(byte[] a, int aOff, byte[] b, int bOff, int len) {
        if (aOff < 0 || bOff < 0 || len < 0 || aOff + len > a.length || bOff + len > b.length) {
            throw new IndexOutOfBoundsException("range outside array");
        }
        int diff = 0;
        for (int i = 0; i < len; i++) {
            diff |= a[aOff + i] ^ b[bOff + i];
        }
        return diff == 0;
    }
}
