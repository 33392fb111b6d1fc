package io.cloakmesh.protocol.pipe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloakmesh.crypto.pipe.BadPacketException;
import io.cloakmesh.crypto.pipe.Packets;
import io.cloakmesh.crypto.pipe.Role;
import io.cloakmesh.crypto.pipe.SessionKeys;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Random;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.Test;

class PacketFramingTest {

    private static SessionKeys keys(Random random) {
        byte[][] k = new byte[4][32];
        for (byte[] key : k) {
            random.nextBytes(key);
        }
        return new SessionKeys(k[0], k[1], k[2], k[3]);
    }

    @Test
    void plaintextSurvivesAnySplitOfTheWire() throws Exception {
        for (int seed = 0; seed < 200; seed++) {
            Random random = new Random(seed);
            SessionKeys keys = keys(random);
            PacketFraming client = new PacketFraming(keys, Role.CLIENT);
            PacketFraming server = new PacketFraming(keys, Role.SERVER);
            ByteArrayOutputStream plain = new ByteArrayOutputStream();
            ByteArrayOutputStream wire = new ByteArrayOutputStream();
            for (int i = 0; i < 1 + random.nextInt(20); i++) {
                byte[] chunk = new byte[random.nextInt(5000)];
                random.nextBytes(chunk);
                plain.writeBytes(chunk);
                ByteString sealed = client.seal(ByteString.fromArray(chunk));
                assertEquals(Packets.sealedLength(chunk.length), sealed.length());
                wire.writeBytes(sealed.toArray());
            }
            byte[] all = wire.toByteArray();
            ByteArrayOutputStream opened = new ByteArrayOutputStream();
            int at = 0;
            while (at < all.length) {
                int n = Math.min(all.length - at, 1 + random.nextInt(3 * Packets.PACKET_LENGTH));
                opened.writeBytes(server.open(ByteString.fromArray(all, at, n)).toArray());
                at += n;
            }
            assertArrayEquals(plain.toByteArray(), opened.toByteArray(), "seed " + seed);
        }
    }

    /**
     * Issue 20's check of the packet layer: a million reads of the wire, cut at random (mostly small pieces,
     * often at or beside a packet's edge, sometimes several packets at once), from plaintext sealed in
     * random writes (mostly the small ones of request traffic), and every byte opens to what was sealed,
     * in order, checked as it comes out.
     */
    @Test
    void aMillionRandomSplitsOpenToWhatWasSealed() throws Exception {
        Random random = new Random(20);
        SessionKeys keys = keys(random);
        PacketFraming client = new PacketFraming(keys, Role.CLIENT);
        PacketFraming server = new PacketFraming(keys, Role.SERVER);
        int reads = 0;
        long bytes = 0;
        while (reads < 1_000_000) {
            ByteArrayOutputStream plain = new ByteArrayOutputStream();
            ByteArrayOutputStream wire = new ByteArrayOutputStream();
            for (int i = 0; i < 1 + random.nextInt(40); i++) {
                byte[] chunk = new byte[random.nextInt(10) == 0 ? 1 + random.nextInt(5000) : 1 + random.nextInt(100)];
                random.nextBytes(chunk);
                plain.writeBytes(chunk);
                wire.writeBytes(client.seal(ByteString.fromArrayUnsafe(chunk)).toArrayUnsafe());
            }
            byte[] sent = plain.toByteArray();
            byte[] all = wire.toByteArray();
            int at = 0;
            int checked = 0;
            while (at < all.length) {
                int n = Math.min(all.length - at, piece(random, at));
                byte[] opened = server.open(ByteString.fromArrayUnsafe(all, at, n)).toArrayUnsafe();
                assertArrayEquals(Arrays.copyOfRange(sent, checked, checked + opened.length), opened,
                        "read " + reads + " (" + n + " bytes at wire offset " + at + ")");
                checked += opened.length;
                at += n;
                reads++;
            }
            assertEquals(sent.length, checked, "every byte sealed was opened");
            bytes += sent.length;
        }
        assertTrue(bytes > 10_000_000, "the reads carried " + bytes + " bytes");
    }

    /** How much of the wire the next read takes, {@code at} being where it starts. */
    private static int piece(Random random, int at) {
        int toEdge = Packets.PACKET_LENGTH - at % Packets.PACKET_LENGTH;
        return switch (random.nextInt(5)) {
            case 0 -> 1 + random.nextInt(16);
            case 1 -> Math.max(1, toEdge - 1 + random.nextInt(3));  // to just before, at or just after a packet's edge
            case 2 -> 1 + random.nextInt(2 * Packets.PACKET_LENGTH);
            default -> 1 + random.nextInt(Packets.PACKET_LENGTH);
        };
    }

    @Test
    void aPacketIsOpenedOnlyOnceWhole() throws Exception {
        SessionKeys keys = keys(new Random(1));
        byte[] sealed = new PacketFraming(keys, Role.SERVER).seal(ByteString.fromString("PONG")).toArray();
        PacketFraming client = new PacketFraming(keys, Role.CLIENT);
        assertTrue(client.open(ByteString.fromArray(sealed, 0, sealed.length - 1)).isEmpty());
        assertEquals("PONG", client.open(ByteString.fromArray(sealed, sealed.length - 1, 1)).utf8String());
    }

    @Test
    void aFlippedByteAnywhereFailsTheOpen() {
        SessionKeys keys = keys(new Random(2));
        byte[] sealed = new PacketFraming(keys, Role.CLIENT).seal(ByteString.fromString("SET k v")).toArray();
        for (int i = 0; i < sealed.length; i += 97) {
            byte[] tampered = sealed.clone();
            tampered[i] ^= 1;
            PacketFraming server = new PacketFraming(keys, Role.SERVER);
            assertThrows(BadPacketException.class, () -> server.open(ByteString.fromArray(tampered)), "byte " + i);
        }
    }
}
