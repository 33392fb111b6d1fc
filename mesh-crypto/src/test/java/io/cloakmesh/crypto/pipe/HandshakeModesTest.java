package io.cloakmesh.crypto.pipe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.cloakmesh.crypto.SharedKey;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** spiped's pairing table of -f and -g, the peer-value checks, and packet tamper detection. */
class HandshakeModesTest {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final SharedKey KEY = SharedKey.fromKeyBytes("k".getBytes());

    enum Outcome { PFS, NO_PFS, SERVER_DROPS, CLIENT_ABORTS }

    @ParameterizedTest(name = "client {0}, server {1}: {2}")
    @CsvSource({
        "PFS, PFS, PFS", "PFS, WEAK, NO_PFS", "PFS, REQUIRE_PFS, PFS",
        "WEAK, PFS, NO_PFS", "WEAK, WEAK, NO_PFS", "WEAK, REQUIRE_PFS, SERVER_DROPS",
        "REQUIRE_PFS, PFS, PFS", "REQUIRE_PFS, WEAK, CLIENT_ABORTS", "REQUIRE_PFS, REQUIRE_PFS, PFS"})
    void pairingsFollowSpipedsTable(HandshakeMode clientMode, HandshakeMode serverMode, Outcome expected) throws Exception {
        Handshake client = Handshake.start(Role.CLIENT, KEY, clientMode, RANDOM);
        Handshake server = Handshake.start(Role.SERVER, KEY, serverMode, RANDOM);
        byte[] clientDh = client.receiveNonce(server.nonce(), 0);
        server.receiveNonce(client.nonce(), 0);
        byte[] serverDh;
        try {
            serverDh = server.receiveDhMessage(clientDh, 0);
        } catch (HandshakeException e) {
            assertEquals(Outcome.SERVER_DROPS, expected, e.getMessage());
            return;
        }
        try {
            client.receiveDhMessage(serverDh, 0);
        } catch (HandshakeException e) {
            assertEquals(Outcome.CLIENT_ABORTS, expected, e.getMessage());
            return;
        }
        assertArrayEquals(client.keys().clientCipherKey(), server.keys().clientCipherKey());
        assertArrayEquals(client.keys().serverMacKey(), server.keys().serverMacKey());
        // Without PFS the keys depend only on K and the nonces: a derivation with y_SC = 1 reproduces them.
        boolean forwardSecret = !Arrays.equals(client.keys().clientCipherKey(), weakKeys(client, server).clientCipherKey());
        assertEquals(expected == Outcome.PFS, forwardSecret);
        if (expected != Outcome.PFS && expected != Outcome.NO_PFS) {
            fail("handshake completed but " + expected + " was expected");
        }
    }

    /** A key rotation: a server that accepts [new, old] completes with a client of either, answering with its key. */
    @Test
    void aServerAcceptingSeveralKeysAnswersWithTheOneTheClientHolds() throws Exception {
        SharedKey newer = SharedKey.fromKeyBytes("new".getBytes());
        for (SharedKey held : java.util.List.of(newer, KEY)) {
            Handshake client = Handshake.start(Role.CLIENT, held, HandshakeMode.REQUIRE_PFS, RANDOM);
            Handshake server = Handshake.start(Role.SERVER, java.util.List.of(newer, KEY), HandshakeMode.REQUIRE_PFS, RANDOM);
            byte[] clientDh = client.receiveNonce(server.nonce(), 0);
            server.receiveNonce(client.nonce(), 0);
            client.receiveDhMessage(server.receiveDhMessage(clientDh, 0), 0);
            assertArrayEquals(client.keys().clientCipherKey(), server.keys().clientCipherKey());
            assertArrayEquals(client.keys().serverMacKey(), server.keys().serverMacKey());
            assertEquals(held == newer ? 0 : 1, server.keyIndex());
        }
        Handshake outsider = Handshake.start(Role.CLIENT, SharedKey.fromKeyBytes("gone".getBytes()), HandshakeMode.PFS, RANDOM);
        Handshake server = Handshake.start(Role.SERVER, java.util.List.of(newer, KEY), HandshakeMode.PFS, RANDOM);
        byte[] outsiderDh = outsider.receiveNonce(server.nonce(), 0);
        server.receiveNonce(outsider.nonce(), 0);
        assertThrows(HandshakeException.class, () -> server.receiveDhMessage(outsiderDh, 0));
        assertThrows(IllegalArgumentException.class,
                () -> Handshake.start(Role.CLIENT, java.util.List.of(newer, KEY), HandshakeMode.PFS, RANDOM));
    }

    @Test
    void wrongKeyFailsOnTheFirstDhMessage() {
        Handshake client = Handshake.start(Role.CLIENT, SharedKey.fromKeyBytes("other".getBytes()), HandshakeMode.PFS, RANDOM);
        Handshake server = Handshake.start(Role.SERVER, KEY, HandshakeMode.PFS, RANDOM);
        byte[] clientDh = client.receiveNonce(server.nonce(), 0);
        server.receiveNonce(client.nonce(), 0);
        HandshakeException e = assertThrows(HandshakeException.class, () -> server.receiveDhMessage(clientDh, 0));
        assertTrue(e.getMessage().contains("MAC mismatch"));
    }

    @Test
    void twoClientsNeverAgree() {
        Handshake a = Handshake.start(Role.CLIENT, KEY, HandshakeMode.PFS, RANDOM);
        Handshake b = Handshake.start(Role.CLIENT, KEY, HandshakeMode.PFS, RANDOM);
        byte[] aDh = a.receiveNonce(b.nonce(), 0);
        b.receiveNonce(a.nonce(), 0);
        assertThrows(HandshakeException.class, () -> b.receiveDhMessage(aDh, 0));
    }

    @Test
    void valueNotBelowModulusIsRefusedEvenWithAValidMac() throws Exception {
        Handshake server = Handshake.start(Role.SERVER, KEY, HandshakeMode.PFS, RANDOM);
        byte[] clientNonce = new byte[32];
        server.receiveNonce(clientNonce, 0);
        byte[] dk1 = io.cloakmesh.crypto.Kdf.pbkdf2Sha256(KEY.bytes(), concat(clientNonce, server.nonce()), 1, 64);
        byte[] y = DhGroup14.encode(DhGroup14.P);
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
        mac.init(new javax.crypto.spec.SecretKeySpec(Arrays.copyOf(dk1, 32), "HmacSHA256"));
        byte[] message = concat(y, mac.doFinal(y));
        HandshakeException e = assertThrows(HandshakeException.class, () -> server.receiveDhMessage(message, 0));
        assertTrue(e.getMessage().contains("out of range"));
    }

    @Test
    void everyFlippedBitOfAPacketIsRejected() throws Exception {
        SessionKeys keys = completed(HandshakeMode.PFS);
        byte[] packet = new byte[Packets.PACKET_LENGTH];
        keys.sealerFor(Role.CLIENT).seal("PING\r\n".getBytes(), 0, 6, packet, 0);
        byte[] out = new byte[Packets.openBufferLength(1)];
        for (int i = 0; i < packet.length; i += 37) {
            byte[] tampered = packet.clone();
            tampered[i] ^= 1;
            PacketOpener opener = keys.openerFor(Role.SERVER);
            assertThrows(BadPacketException.class, () -> opener.open(tampered, 0, out, 0), "byte " + i);
        }
    }

    @Test
    void replayedPacketIsRejected() throws Exception {
        SessionKeys keys = completed(HandshakeMode.WEAK);
        byte[] packet = new byte[Packets.PACKET_LENGTH];
        keys.sealerFor(Role.SERVER).seal(new byte[] {1}, 0, 1, packet, 0);
        PacketOpener opener = keys.openerFor(Role.CLIENT);
        byte[] out = new byte[Packets.openBufferLength(1)];
        assertEquals(1, opener.open(packet, 0, out, 0));
        assertThrows(BadPacketException.class, () -> opener.open(packet, 0, out, 0));
    }

    @Test
    void zeroLengthPacketIsRejected() throws Exception {
        SessionKeys keys = completed(HandshakeMode.WEAK);
        // Forge a correctly MACed packet that declares length 0, which spiped never sends.
        byte[] padded = new byte[Packets.ENCRYPTED_LENGTH];
        javax.crypto.Cipher aes = javax.crypto.Cipher.getInstance("AES/CTR/NoPadding");
        aes.init(javax.crypto.Cipher.ENCRYPT_MODE, new javax.crypto.spec.SecretKeySpec(keys.clientCipherKey(), "AES"),
                new javax.crypto.spec.IvParameterSpec(new byte[16]));
        byte[] packet = Arrays.copyOf(aes.doFinal(padded), Packets.PACKET_LENGTH);
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
        mac.init(new javax.crypto.spec.SecretKeySpec(keys.clientMacKey(), "HmacSHA256"));
        mac.update(packet, 0, Packets.ENCRYPTED_LENGTH);
        mac.update(new byte[8]);
        mac.doFinal(packet, Packets.ENCRYPTED_LENGTH);
        BadPacketException e = assertThrows(BadPacketException.class,
                () -> keys.openerFor(Role.SERVER).open(packet, 0, new byte[Packets.ENCRYPTED_LENGTH], 0));
        assertTrue(e.getMessage().contains("length"));
    }

    @Test
    void sealingNothingWritesNothingAndLongInputIsCutAt1024() {
        PacketSealer sealer = completed(HandshakeMode.WEAK).sealerFor(Role.CLIENT);
        assertEquals(0, sealer.seal(new byte[0], 0, 0, new byte[0], 0));
        assertEquals(5 * Packets.PACKET_LENGTH, Packets.sealedLength(5000));
        assertEquals(5 * Packets.PACKET_LENGTH, sealer.seal(new byte[5000], 0, 5000, new byte[5 * Packets.PACKET_LENGTH], 0));
    }

    private static SessionKeys completed(HandshakeMode mode) {
        try {
            Handshake client = Handshake.start(Role.CLIENT, KEY, mode, RANDOM);
            Handshake server = Handshake.start(Role.SERVER, KEY, mode, RANDOM);
            byte[] clientDh = client.receiveNonce(server.nonce(), 0);
            server.receiveNonce(client.nonce(), 0);
            client.receiveDhMessage(server.receiveDhMessage(clientDh, 0), 0);
            return client.keys();
        } catch (HandshakeException e) {
            throw new AssertionError(e);
        }
    }

    private static SessionKeys weakKeys(Handshake client, Handshake server) {
        byte[] salt = concat(concat(client.nonce(), server.nonce()), DhGroup14.encode(BigInteger.ONE));
        return SessionKeys.fromDerived(io.cloakmesh.crypto.Kdf.pbkdf2Sha256(KEY.bytes(), salt, 1, 128));
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
