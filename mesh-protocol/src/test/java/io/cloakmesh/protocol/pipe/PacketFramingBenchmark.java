package io.cloakmesh.protocol.pipe;

import io.cloakmesh.crypto.pipe.BadPacketException;
import io.cloakmesh.crypto.pipe.Role;
import io.cloakmesh.crypto.pipe.SessionKeys;
import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.util.ByteString;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The spiped packet layer's cost alone: {@code size} bytes of plaintext sealed by one end and opened by
 * the other, as one read's worth (a GET's 30-odd bytes is one packet; 16 KiB is 16). Reported per call;
 * divide by the packets it makes ({@code ceil(size / 1024)}) for the cost per packet.
 * {@code scripts/bench/jmh mesh-protocol PacketFramingBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class PacketFramingBenchmark {
    @Param({"32", "16384"})
    public int size;

    private PacketFraming client;
    private PacketFraming server;
    private ByteString plain;

    @Setup
    public void setUp() {
        SecureRandom random = new SecureRandom();
        byte[][] k = new byte[4][32];
        for (byte[] key : k) {
            random.nextBytes(key);
        }
        SessionKeys keys = new SessionKeys(k[0], k[1], k[2], k[3]);
        client = new PacketFraming(keys, Role.CLIENT);
        server = new PacketFraming(keys, Role.SERVER);
        byte[] bytes = new byte[size];
        random.nextBytes(bytes);
        plain = ByteString.fromArrayUnsafe(bytes);
    }

    @Benchmark
    public ByteString seal() {
        // The server's sealer: its packets are not opened here, so their numbers may run on.
        return server.seal(plain);
    }

    @Benchmark
    public ByteString sealAndOpen() throws BadPacketException {
        return server.open(client.seal(plain));
    }
}
