package io.cloakmesh.crypto.pipe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class PacketMacTest {
    private static final HexFormat HEX = HexFormat.of();

    /** RFC 4231 test cases 1, 2 and 6 (a key longer than SHA-256's block is hashed first). */
    @Test
    void rfc4231Vectors() {
        check("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265",
                "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
        check("4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
                "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        check("aa".repeat(131), HEX.formatHex("Test Using Larger Than Block-Size Key - Hash Key First".getBytes()),
                "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    }

    /** Any split of a message into data and suffix, any key length, as javax.crypto.Mac computes it. */
    @Test
    void agreesWithTheJdksHmac() throws Exception {
        Random random = new Random(4231);
        for (int i = 0; i < 2000; i++) {
            byte[] key = new byte[1 + random.nextInt(100)];
            byte[] message = new byte[random.nextInt(1100)];
            random.nextBytes(key);
            random.nextBytes(message);
            int split = random.nextInt(message.length + 1);
            int offset = random.nextInt(8);
            byte[] data = new byte[offset + split];
            System.arraycopy(message, 0, data, offset, split);
            Mac jdk = Mac.getInstance("HmacSHA256");
            jdk.init(new SecretKeySpec(key, "HmacSHA256"));
            PacketMac mac = new PacketMac(key);
            for (int repeat = 0; repeat < 2; repeat++) {  // the keyed states are not used up by a tag
                byte[] out = new byte[40];
                mac.tag(data, offset, split, Arrays.copyOfRange(message, split, message.length), out, 3);
                assertArrayEquals(jdk.doFinal(message), Arrays.copyOfRange(out, 3, 35), "case " + i);
            }
        }
    }

    private static void check(String keyHex, String dataHex, String tagHex) {
        byte[] data = HEX.parseHex(dataHex);
        byte[] out = new byte[PacketMac.LENGTH];
        new PacketMac(HEX.parseHex(keyHex)).tag(data, 0, data.length, new byte[0], out, 0);
        assertArrayEquals(HEX.parseHex(tagHex), out);
    }
}
