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
