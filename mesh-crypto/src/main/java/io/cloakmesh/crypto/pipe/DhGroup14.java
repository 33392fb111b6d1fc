package io.cloakmesh.crypto.pipe;

import java.math.BigInteger;
import java.security.SecureRandom;

/**
 * Diffie-Hellman over the RFC 3526 2048-bit MODP group ("group 14"), generator 2, as spiped uses it.
 *
 * <p>{@link BigInteger#modPow} is used rather than the JCE's DH {@code KeyAgreement} or Bouncy Castle's
 * agreement classes because both reject a peer value of 1, and a spiped {@code -f} peer sends exactly
 * that: the protocol needs the raw group arithmetic. Exponents are fresh per connection, which limits
 * what modPow's data-dependent timing could reveal about any one of them.
 */
public final class DhGroup14 {
    /** Length of a public value or shared secret on the wire: big-endian, left-padded. */
    public static final int VALUE_LENGTH = 256;

    static final BigInteger P = new BigInteger(
            "ffffffffffffffffc90fdaa22168c234c4c6628b80dc1cd129024e088a67cc74020bbea63b139b22514a08798e3404dd"
            + "ef9519b3cd3a431b302b0a6df25f14374fe1356d6d51c245e485b576625e7ec6f44c42e9a637ed6b0bff5cb6f406b7ed"
            + "ee386bfb5a899fa5ae9f24117c4b1fe649286651ece45b3dc2007cb8a163bf0598da48361c55d39a69163fa8fd24cf5f"
            + "83655d23dca3ad961c62f356208552bb9ed529077096966d670c354e4abc9804f1746c08ca18217c32905e462e36ce3b"
            + "e39e772c180e86039b2783a2ec07a28fb5c55df06f4c52c9de2bcbf6955817183995497cea956ae515d2261898fa0510"
            + "15728e5a8aacaa68ffffffffffffffff", 16);
    private static final BigInteger G = BigInteger.TWO;
    /** spiped's exponents are 2^258 + x for a 256-bit x; the peer cannot tell, but matching keeps vectors equal. */
    private static final BigInteger EXPONENT_BASE = BigInteger.ONE.shiftLeft(258);
    /** The value a {@code -f} side sends instead of a real public value. */
    static final byte[] ONE = encode(BigInteger.ONE);

    private DhGroup14() {
    }

    /** A fresh private exponent, 2^258 + x with x 32 random bytes. */
    static BigInteger randomExponent(SecureRandom random) {
        byte[] x = new byte[32];
        random.nextBytes(x);
        return exponentFrom(x);
    }

    static BigInteger exponentFrom(byte[] x) {
        return EXPONENT_BASE.add(new BigInteger(1, x));
    }

    /** g^e mod p, 256 bytes. */
    static byte[] publicValue(BigInteger exponent) {
        return encode(G.modPow(exponent, P));
    }

    /** peer^e mod p, 256 bytes. */
    static byte[] sharedSecret(byte[] peerValue, BigInteger exponent) {
        return encode(new BigInteger(1, peerValue).modPow(exponent, P));
    }

    /** The protocol's range check: a peer value must be below p (0 and p-1 are allowed, as in spiped). */
    static boolean isBelowModulus(byte[] value, int off) {
        return new BigInteger(1, java.util.Arrays.copyOfRange(value, off, off + VALUE_LENGTH)).compareTo(P) < 0;
    }

    static boolean isOne(byte[] value, int off) {
        for (int i = 0; i < VALUE_LENGTH - 1; i++) {
            if (value[off + i] != 0) {
                return false;
            }
        }
        return value[off + VALUE_LENGTH - 1] == 1;
    }

    /** Fixed-length unsigned big-endian encoding; BigInteger's own is signed and of variable length. */
    static byte[] encode(BigInteger value) {
        byte[] raw = value.toByteArray();
        byte[] out = new byte[VALUE_LENGTH];
        int skip = raw.length > VALUE_LENGTH ? raw.length - VALUE_LENGTH : 0;
        System.arraycopy(raw, skip, out, VALUE_LENGTH - (raw.length - skip), raw.length - skip);
        return out;
    }
}
