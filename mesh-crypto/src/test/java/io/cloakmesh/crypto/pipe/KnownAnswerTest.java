package io.cloakmesh.crypto.pipe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cloakmesh.crypto.Kdf;
import io.cloakmesh.crypto.SharedKey;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Both spiped handshakes and their packets, byte for byte against vectors recomputed with spiped's own code. */
class KnownAnswerTest {
    private static SpipedVectors v;

    @BeforeAll
    static void load() throws Exception {
        v = SpipedVectors.load();
    }

    @Test
    void keyIsSha256OfTheRawFile() {
        assertArrayEquals(v.get("K"), SharedKey.fromKeyBytes(v.get("keyfile_bytes")).bytes());
        assertArrayEquals(v.get("K(empty key file, e.g. -k /dev/null)"), SharedKey.fromKeyBytes(new byte[0]).bytes());
    }

    @Test
    void dhMacKeysComeFromPbkdf2OverBothNonces() {
        byte[] salt = concat(v.get("nonce_C"), v.get("nonce_S"));
        assertArrayEquals(v.get("dk_1"), Kdf.pbkdf2Sha256(v.get("K"), salt, 1, 64));
    }

    @Test
    void groupIsRfc3526Group14() {
        assertArrayEquals(HexFormatHolder.P, DhGroup14.encode(DhGroup14.P));
    }

    @ParameterizedTest
    @ValueSource(strings = {"A", "B"})
    void handshakeAndPacketsMatchVector(String name) throws Exception {
        HandshakeMode mode = name.equals("A") ? HandshakeMode.WEAK : HandshakeMode.PFS;
        SharedKey key = SharedKey.fromKeyBytes(v.get("keyfile_bytes"));
        Handshake client = Handshake.withSecrets(Role.CLIENT, key, mode, v.get("nonce_C"), xOrNull(name + " x_C"));
        Handshake server = Handshake.withSecrets(Role.SERVER, key, mode, v.get("nonce_S"), xOrNull(name + " x_S"));

        byte[] clientDh = client.receiveNonce(server.nonce(), 0);
        assertEquals(0, server.receiveNonce(client.nonce(), 0).length);
        if (name.equals("A")) {
            assertArrayEquals(v.get("A y_C||h_C"), clientDh);
        } else {
            assertArrayEquals(v.get("B y_C"), Arrays.copyOf(clientDh, 256));
        }
        assertArrayEquals(v.get(name + " h_C"), Arrays.copyOfRange(clientDh, 256, 288));

        byte[] serverDh = server.receiveDhMessage(clientDh, 0);
        if (name.equals("B")) {
            assertArrayEquals(v.get("B y_S"), Arrays.copyOf(serverDh, 256));
        }
        assertArrayEquals(v.get(name + " h_S"), Arrays.copyOfRange(serverDh, 256, 288));
        assertEquals(0, client.receiveDhMessage(serverDh, 0).length);

        for (Handshake side : new Handshake[] {client, server}) {
            SessionKeys keys = side.keys();
            assertArrayEquals(v.get(name + " E_C"), keys.clientCipherKey());
            assertArrayEquals(v.get(name + " H_C"), keys.clientMacKey());
            assertArrayEquals(v.get(name + " E_S"), keys.serverCipherKey());
            assertArrayEquals(v.get(name + " H_S"), keys.serverMacKey());
        }

        PacketSealer clientOut = client.keys().sealerFor(Role.CLIENT);
        PacketOpener serverIn = server.keys().openerFor(Role.SERVER);
        byte[] hello = "hello".getBytes(StandardCharsets.US_ASCII);
        byte[] as = new byte[1024];
        Arrays.fill(as, (byte) 'a');
        byte[] wire = new byte[2 * Packets.PACKET_LENGTH];
        assertEquals(Packets.PACKET_LENGTH, clientOut.seal(hello, 0, hello.length, wire, 0));
        assertEquals(Packets.PACKET_LENGTH, clientOut.seal(as, 0, as.length, wire, Packets.PACKET_LENGTH));
        assertArrayEquals(v.get(name + " client->server packet#0"), Arrays.copyOf(wire, Packets.PACKET_LENGTH));
        assertArrayEquals(v.get(name + " client->server packet#1"), Arrays.copyOfRange(wire, Packets.PACKET_LENGTH, wire.length));

        byte[] plain = new byte[Packets.openBufferLength(1)];
        assertEquals(5, serverIn.open(wire, 0, plain, 0));
        assertArrayEquals(hello, Arrays.copyOf(plain, 5));
        assertEquals(1024, serverIn.open(wire, Packets.PACKET_LENGTH, plain, 0));
        assertArrayEquals(as, Arrays.copyOf(plain, 1024));

        byte[] world = "world\n".getBytes(StandardCharsets.US_ASCII);
        byte[] back = new byte[Packets.PACKET_LENGTH];
        server.keys().sealerFor(Role.SERVER).seal(world, 0, world.length, back, 0);
        assertArrayEquals(v.get(name + " server->client packet#0"), back);
        assertEquals(6, client.keys().openerFor(Role.CLIENT).open(back, 0, plain, 0));
    }

    private static byte[] xOrNull(String vector) {
        return vector.startsWith("B") ? v.get(vector) : null;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** RFC 3526 §3 as printed there, to check the constant against a second source. */
    private static final class HexFormatHolder {
        static final byte[] P = java.util.HexFormat.of().parseHex((
                "FFFFFFFF FFFFFFFF C90FDAA2 2168C234 C4C6628B 80DC1CD1 29024E08 8A67CC74 020BBEA6 3B139B22 514A0879 8E3404DD"
                + "EF9519B3 CD3A431B 302B0A6D F25F1437 4FE1356D 6D51C245 E485B576 625E7EC6 F44C42E9 A637ED6B 0BFF5CB6 F406B7ED"
                + "EE386BFB 5A899FA5 AE9F2411 7C4B1FE6 49286651 ECE45B3D C2007CB8 A163BF05 98DA4836 1C55D39A 69163FA8 FD24CF5F"
                + "83655D23 DCA3AD96 1C62F356 208552BB 9ED52907 7096966D 670C354E 4ABC9804 F1746C08 CA18217C 32905E46 2E36CE3B"
                + "E39E772C 180E8603 9B2783A2 EC07A28F B5C55DF0 6F4C52C9 DE2BCBF6 95581718 3995497C EA956AE5 15D22618 98FA0510"
                + "15728E5A 8AACAA68 FFFFFFFF FFFFFFFF").replace(" ", "").toLowerCase());
    }
}
