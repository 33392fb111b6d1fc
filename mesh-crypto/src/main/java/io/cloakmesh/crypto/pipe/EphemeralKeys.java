package io.cloakmesh.crypto.pipe;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.concurrent.ArrayBlockingQueue;

/**
 * Ephemeral Diffie-Hellman key pairs computed ahead of time on one background thread, so a handshake
 * does one modular exponentiation on its path (the shared secret) instead of two. Each pair is handed
 * out once and then forgotten, so forward secrecy is that of a value made on the spot; when handshakes
 * outrun the thread, the pair is made on the spot.
 */
final class EphemeralKeys {
    /** Pairs kept ready: a burst of this many handshakes finds them all computed. */
    static final int READY = 32;

    /** A private exponent and its public value g^e mod p. */
    record Pair(BigInteger exponent, byte[] publicValue) {
        static Pair of(BigInteger exponent) {
            return new Pair(exponent, DhGroup14.publicValue(exponent));
        }
    }

    private static final ArrayBlockingQueue<Pair> ready = new ArrayBlockingQueue<>(READY);
    private static final SecureRandom random = new SecureRandom();
    private static Thread filler;

    private EphemeralKeys() {
    }

    /** A pair never handed out before: a ready one, or one made now. */
    static Pair take() {
        startFiller();
        Pair pair = ready.poll();
        return pair != null ? pair : Pair.of(DhGroup14.randomExponent(random));
    }

    private static synchronized void startFiller() {
        if (filler != null) {
            return;
        }
        filler = new Thread(() -> {
            try {
                while (true) {
                    ready.put(Pair.of(DhGroup14.randomExponent(random)));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "cloakmesh-dh-precompute");
        filler.setDaemon(true);
        filler.setPriority(Thread.MIN_PRIORITY);
        filler.start();
    }
}
