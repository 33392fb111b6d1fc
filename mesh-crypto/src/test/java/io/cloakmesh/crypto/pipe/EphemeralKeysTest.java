package io.cloakmesh.crypto.pipe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigInteger;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class EphemeralKeysTest {

    @Test
    void everyPairIsFreshAndConsistent() {
        Set<BigInteger> exponents = new HashSet<>();
        // More than are kept ready: some come from the background thread, some are made on the spot.
        for (int i = 0; i < 3 * EphemeralKeys.READY; i++) {
            EphemeralKeys.Pair pair = EphemeralKeys.take();
            exponents.add(pair.exponent());
            assertArrayEquals(DhGroup14.publicValue(pair.exponent()), pair.publicValue());
        }
        assertEquals(3 * EphemeralKeys.READY, exponents.size(), "a pair was handed out twice");
    }
}
