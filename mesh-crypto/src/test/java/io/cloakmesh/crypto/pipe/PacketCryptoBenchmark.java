package io.cloakmesh.crypto.pipe;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The ways a packet's AES-CTR keystream and HMAC-SHA256 tag can be made with the JDK, per packet, over
 * {@value #PACKETS} packets as one read of 16 KiB carries: what chose {@link PacketCrypto}'s design.
 * {@code scripts/bench/jmh mesh-crypto PacketCryptoBenchmark}.
 * <ul>
 * <li>{@code ctrInitPerPacket}: a Cipher.init with the packet's counter block, then the packet (as sealed now);
 * <li>{@code ecbKeystreamBatch}: one AES/ECB call over every packet's counter blocks, then an XOR;
 * <li>{@code hmacJce}: javax.crypto.Mac, which hashes the padded key again for every packet;
 * <li>{@code hmacKeyedStates}: {@link PacketMac}, keyed states cloned for each packet.
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class PacketCryptoBenchmark {
    private static final int PACKETS = 16;
    private static final int BLOCKS = (Packets.ENCRYPTED_LENGTH + 15) / 16;

    private final byte[] wire = new byte[PACKETS * Packets.PACKET_LENGTH];
    private final byte[] out = new byte[PACKETS * Packets.PACKET_LENGTH];
    private final byte[] iv = new byte[16];
    private final byte[] counterBlocks = new byte[PACKETS * BLOCKS * 16];
    private final byte[] keystream = new byte[PACKETS * BLOCKS * 16];
    private final byte[] packetNumber = new byte[8];
    private Cipher ctr;
    private Cipher ecb;
    private SecretKeySpec aesKey;
    private Mac jce;
    private PacketMac keyed;
    private long counter;

    @Setup
    public void setUp() throws GeneralSecurityException {
        SecureRandom random = new SecureRandom();
        byte[] key = new byte[32];
        random.nextBytes(key);
        random.nextBytes(wire);
        aesKey = new SecretKeySpec(key, "AES");
        ctr = Cipher.getInstance("AES/CTR/NoPadding");
        ecb = Cipher.getInstance("AES/ECB/NoPadding");
        ecb.init(Cipher.ENCRYPT_MODE, aesKey);
        jce = Mac.getInstance("HmacSHA256");
        jce.init(new SecretKeySpec(key, "HmacSHA256"));
        keyed = new PacketMac(key);
    }

    @Benchmark
    @OperationsPerInvocation(PACKETS)
    public byte[] ctrInitPerPacket() throws GeneralSecurityException {
        for (int p = 0; p < PACKETS; p++) {
            Packets.writeLong(iv, 0, counter++);
            ctr.init(Cipher.ENCRYPT_MODE, aesKey, new IvParameterSpec(iv));
            ctr.doFinal(wire, p * Packets.PACKET_LENGTH, Packets.ENCRYPTED_LENGTH, out, p * Packets.PACKET_LENGTH);
        }
        return out;
    }

    @Benchmark
    @OperationsPerInvocation(PACKETS)
    public byte[] ecbKeystreamBatch() throws GeneralSecurityException {
        for (int p = 0; p < PACKETS; p++) {
            long number = counter++;
            for (int b = 0; b < BLOCKS; b++) {
                int at = (p * BLOCKS + b) * 16;
                Packets.writeLong(counterBlocks, at, number);
                Packets.writeLong(counterBlocks, at + 8, b);
            }
        }
        ecb.update(counterBlocks, 0, counterBlocks.length, keystream, 0);
        for (int p = 0; p < PACKETS; p++) {
            int at = p * Packets.PACKET_LENGTH;
            int k = p * BLOCKS * 16;
            for (int i = 0; i < Packets.ENCRYPTED_LENGTH; i++) {
                out[at + i] = (byte) (wire[at + i] ^ keystream[k + i]);
            }
        }
        return out;
    }

    @Benchmark
    @OperationsPerInvocation(PACKETS)
    public byte[] hmacJce() throws GeneralSecurityException {
        for (int p = 0; p < PACKETS; p++) {
            Packets.writeLong(packetNumber, 0, counter++);
            jce.update(wire, p * Packets.PACKET_LENGTH, Packets.ENCRYPTED_LENGTH);
            jce.update(packetNumber);
            jce.doFinal(out, p * Packets.PACKET_LENGTH);
        }
        return out;
    }

    @Benchmark
    @OperationsPerInvocation(PACKETS)
    public byte[] hmacKeyedStates() {
        for (int p = 0; p < PACKETS; p++) {
            Packets.writeLong(packetNumber, 0, counter++);
            keyed.tag(wire, p * Packets.PACKET_LENGTH, Packets.ENCRYPTED_LENGTH, packetNumber, out, p * Packets.PACKET_LENGTH);
        }
        return out;
    }
}
