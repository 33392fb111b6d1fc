package io.cloakmesh.crypto;

import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.PKCS5S2ParametersGenerator;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * PBKDF2-HMAC-SHA256, as the spiped protocol uses it: one iteration over a raw 32-byte secret.
 *
 * <p>Bouncy Castle is used here because the JDK's {@code PBKDF2WithHmacSHA256} takes the password as
 * {@code char[]} and encodes it as UTF-8, which corrupts a binary key. Bouncy Castle's generator takes
 * {@code byte[]} as is. It runs twice per handshake, so its speed does not matter.
 */
public final class Kdf {
    private Kdf() {
    }

    /** Derives {@code length} bytes from {@code password} and {@code salt} with {@code iterations} rounds. */
    public static byte[] pbkdf2Sha256(byte[] password, byte[] salt, int iterations, int length) {
        PKCS5S2ParametersGenerator generator = new PKCS5S2ParametersGenerator(new SHA256Digest());
        generator.init(password, salt, iterations);
        KeyParameter derived = (KeyParameter) generator.generateDerivedMacParameters(length * 8);
        return derived.getKey();
    }
}
