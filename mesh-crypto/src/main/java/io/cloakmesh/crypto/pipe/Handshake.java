package io.cloakmesh.crypto.pipe;

import io.cloakmesh.crypto.ConstantTime;
import io.cloakmesh.crypto.Kdf;
import io.cloakmesh.crypto.SharedKey;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * One side of the spiped handshake as a pure state machine: the caller sends {@link #nonce()}, then
 * feeds it exactly {@link #expecting()} bytes at a time and sends whatever each step returns.
 *
 * <pre>
 * client                                   server
 *   nonce_C (32)  ──────▶   ◀──────  nonce_S (32)        both at once
 *   y_C ‖ HMAC(dhmac_C, y_C) (288) ──▶                    client does not wait for y_S
 *                       ◀── y_S ‖ HMAC(dhmac_S, y_S)      only after y_C passed the checks
 * </pre>
 *
 * Nonces enter every derivation client first. A received DH message is checked in spiped's order: MAC
 * (constant time), y &lt; p, and with {@link HandshakeMode#REQUIRE_PFS} y ≠ 1. The server takes its
 * ephemeral pair only after the client's value passed, so a wrong-key prober costs it no exponentiation.
 * Pairs come computed ahead of time ({@link EphemeralKeys}), each used once.
 */
public final class Handshake {
    public static final int NONCE_LENGTH = 32;
    public static final int DH_MESSAGE_LENGTH = DhGroup14.VALUE_LENGTH + 32;

    private enum Step { AWAIT_NONCE, AWAIT_DH, COMPLETE }

    private final Role role;
    /** The keys this side accepts; a client has one, a server in a key rotation several (newest first). */
    private final List<byte[]> accepted;
    /** The key in use: a client's own, a server's once the client's DH message showed which it holds. */
    private byte[] k;
    private final HandshakeMode mode;
    private final byte[] ownNonce;
    /** Null in weak mode, where no exponentiation is done at all. */
    private final Supplier<EphemeralKeys.Pair> ephemeral;
    private EphemeralKeys.Pair own;
    private byte[] clientNonceFirst;
    /** Per accepted key: this side's and the peer's DH MAC keys. */
    private List<byte[]> ownDhMacs;
    private List<byte[]> peerDhMacs;
    private Step step = Step.AWAIT_NONCE;
    /** Which accepted key is in use (always 0 on a client). */
    private int keyIndex;
    private SessionKeys keys;

    private Handshake(Role role, List<SharedKey> keys, HandshakeMode mode, byte[] nonce, Supplier<EphemeralKeys.Pair> ephemeral) {
        if (keys.isEmpty() || (role == Role.CLIENT && keys.size() > 1)) {
            throw new IllegalArgumentException("a client uses one key, a server accepts one or more");
        }
        this.role = role;
        this.accepted = keys.stream().map(SharedKey::bytes).toList();
        this.mode = mode;
        this.ownNonce = nonce;
        this.ephemeral = ephemeral;
    }

    /** A handshake with a fresh nonce and, unless weak, a fresh ephemeral key pair. */
    public static Handshake start(Role role, SharedKey key, HandshakeMode mode, SecureRandom random) {
        return start(role, List.of(key), mode, random);
    }

    /**
     * A handshake as {@link #start(Role, SharedKey, HandshakeMode, SecureRandom)}, for a server that accepts a
     * client holding any of {@code keys} (a key rotation: the new key and the old); it answers with the key
     * the client's DH message proves, so the client notices nothing. A client passes one key.
     */
    public static Handshake start(Role role, List<SharedKey> keys, HandshakeMode mode, SecureRandom random) {
        byte[] nonce = new byte[NONCE_LENGTH];
        random.nextBytes(nonce);
        return new Handshake(role, keys, mode, nonce, mode == HandshakeMode.WEAK ? null : EphemeralKeys::take);
    }

    /** A handshake with fixed secrets, for known-answer tests only. */
    static Handshake withSecrets(Role role, SharedKey key, HandshakeMode mode, byte[] nonce, byte[] x) {
        return new Handshake(role, List.of(key), mode, nonce.clone(),
                mode == HandshakeMode.WEAK ? null : () -> EphemeralKeys.Pair.of(DhGroup14.exponentFrom(x)));
    }

    /** This side's nonce: send it as soon as the connection exists. */
    public byte[] nonce() {
        return ownNonce.clone();
    }

    /** How many bytes the next step consumes: 32, 288, or 0 once complete. */
    public int expecting() {
        return switch (step) {
            case AWAIT_NONCE -> NONCE_LENGTH;
            case AWAIT_DH -> DH_MESSAGE_LENGTH;
            case COMPLETE -> 0;
        };
    }

    public boolean isComplete() {
        return step == Step.COMPLETE;
    }

    /**
     * Takes the peer's 32-byte nonce from {@code in[off..]}.
     *
     * @return bytes to send now: the client's DH message, or nothing on the server
     */
    public byte[] receiveNonce(byte[] in, int off) {
        require(Step.AWAIT_NONCE);
        byte[] peerNonce = Arrays.copyOfRange(in, off, off + NONCE_LENGTH);
        clientNonceFirst = role == Role.CLIENT ? concat(ownNonce, peerNonce) : concat(peerNonce, ownNonce);
        ownDhMacs = new ArrayList<>(accepted.size());
        peerDhMacs = new ArrayList<>(accepted.size());
        for (byte[] key : accepted) {
            byte[] dk1 = Kdf.pbkdf2Sha256(key, clientNonceFirst, 1, 64);
            byte[] clientMac = Arrays.copyOfRange(dk1, 0, 32);
            byte[] serverMac = Arrays.copyOfRange(dk1, 32, 64);
            ownDhMacs.add(role == Role.CLIENT ? clientMac : serverMac);
            peerDhMacs.add(role == Role.CLIENT ? serverMac : clientMac);
        }
        step = Step.AWAIT_DH;
        return role == Role.CLIENT ? dhMessage() : new byte[0];
    }

    /**
     * Takes the peer's 288-byte DH message from {@code in[off..]}, checks it and derives the session keys.
     *
     * @return bytes to send now: the server's DH message, or nothing on the client
     * @throws HandshakeException if a check fails (wrong key, value out of range, or PFS refused)
     */
    public byte[] receiveDhMessage(byte[] in, int off) throws HandshakeException {
        require(Step.AWAIT_DH);
        // Every accepted key is tried, so the time taken does not say which one matched.
        int matched = -1;
        for (int i = 0; i < accepted.size(); i++) {
            byte[] expected = hmac(peerDhMacs.get(i), in, off, DhGroup14.VALUE_LENGTH);
            if (ConstantTime.equals(expected, 0, in, off + DhGroup14.VALUE_LENGTH, 32) && matched < 0) {
                matched = i;
            }
        }
        if (matched < 0) {
            throw new HandshakeException("DH message MAC mismatch (wrong key, or not a " + opposite() + ")");
        }
        k = accepted.get(matched);
        keyIndex = matched;
        if (!DhGroup14.isBelowModulus(in, off)) {
            throw new HandshakeException("DH value out of range");
        }
        boolean peerWeak = DhGroup14.isOne(in, off);
        if (peerWeak && mode == HandshakeMode.REQUIRE_PFS) {
            throw new HandshakeException("peer refused perfect forward secrecy (-f) and this side requires it (-g)");
        }
        byte[] reply = role == Role.SERVER ? dhMessage() : new byte[0];
        byte[] shared = ephemeral == null
                ? DhGroup14.ONE
                : DhGroup14.sharedSecret(Arrays.copyOfRange(in, off, off + DhGroup14.VALUE_LENGTH), own.exponent());
        byte[] dk2 = Kdf.pbkdf2Sha256(k, concat(clientNonceFirst, shared), 1, 128);
        keys = SessionKeys.fromDerived(dk2);
        Arrays.fill(dk2, (byte) 0);
        step = Step.COMPLETE;
        return reply;
    }

    /** The session keys, once {@link #isComplete()}. */
    public SessionKeys keys() {
        require(Step.COMPLETE);
        return keys;
    }

    public Role role() {
        return role;
    }

    /** Which of the accepted keys the peer holds (0: the first, the newest), once {@link #isComplete()}. */
    public int keyIndex() {
        require(Step.COMPLETE);
        return keyIndex;
    }

    private byte[] dhMessage() {
        if (ephemeral != null) {
            own = ephemeral.get();
        }
        byte[] y = ephemeral == null ? DhGroup14.ONE : own.publicValue();
        return concat(y, hmac(ownDhMacs.get(keyIndex), y, 0, y.length));
    }

    private String opposite() {
        return role == Role.CLIENT ? "spiped -d peer" : "spiped -e peer";
    }

    private void require(Step wanted) {
        if (step != wanted) {
            throw new IllegalStateException("handshake step is " + step + ", not " + wanted);
        }
    }

    private static byte[] hmac(byte[] key, byte[] data, int off, int len) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update(data, off, len);
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required by every Java platform", e);
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
