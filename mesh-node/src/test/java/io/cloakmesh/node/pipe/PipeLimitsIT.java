package io.cloakmesh.node.pipe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloakmesh.node.testing.Poll;
import io.cloakmesh.node.transport.TransportKind;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** Volume, concurrency, -n and -o through a pair of mesh pipes (encrypting and decrypting), on each transport. */
@ParameterizedClass
@EnumSource(TransportKind.class)
class PipeLimitsIT {
    @Parameter
    TransportKind transport;
    private static MeshPipes pipes;
    private static TcpPeers.Server echo;
    private static Path key;

    @BeforeParameterizedClassInvocation
    static void start(TransportKind transport) throws Exception {
        pipes = new MeshPipes(transport);
        echo = TcpPeers.echo();
        key = MeshPipes.keyFile("limits test key");
    }

    @AfterParameterizedClassInvocation
    static void stop() throws Exception {
        pipes.close();
        echo.close();
    }

    /** A mesh -e in front of a mesh -d in front of the echo server; returns the -e port. */
    private static int pair(String... serverFlags) throws Exception {
        List<String> args = new ArrayList<>(List.of("-d", "-s", "[127.0.0.1]:0", "-t", "[127.0.0.1]:" + echo.port(), "-k", key.toString()));
        args.addAll(List.of(serverFlags));
        PipeServer server = pipes.start(args.toArray(new String[0]));
        PipeServer client = pipes.start("-e", "-s", "[127.0.0.1]:0", "-t", "[127.0.0.1]:" + MeshPipes.port(server),
                "-k", key.toString(), "-n", "0");
        return MeshPipes.port(client);
    }

    @Test
    void sixtyFourMebibytesComeBackIntact() throws Exception {
        int port = pair();
        long total = 64L << 20;
        MessageDigest sent = MessageDigest.getInstance("SHA-256");
        MessageDigest received = MessageDigest.getInstance("SHA-256");
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(60_000);
            CompletableFuture<Long> reader = CompletableFuture.supplyAsync(() -> {
                try {
                    InputStream in = s.getInputStream();
                    byte[] buf = new byte[65536];
                    long got = 0;
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        received.update(buf, 0, n);
                        got += n;
                    }
                    return got;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Random random = new SecureRandom();
            byte[] chunk = new byte[100_003];
            OutputStream out = s.getOutputStream();
            for (long left = total; left > 0; ) {
                int n = (int) Math.min(chunk.length, left);
                random.nextBytes(chunk);
                sent.update(chunk, 0, n);
                out.write(chunk, 0, n);
                left -= n;
            }
            s.shutdownOutput();
            assertEquals(total, reader.get(120, TimeUnit.SECONDS));
        }
        assertArrayEquals(sent.digest(), received.digest());
    }

    @Test
    void aReaderThatStopsHoldsAFastWritersBytesInFlightBounded() throws Exception {
        int port = pair();
        long attempt = 512L << 20;
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            AtomicLong written = new AtomicLong();
            Thread writer = new Thread(() -> {
                byte[] chunk = new byte[64 * 1024];
                try {
                    OutputStream out = s.getOutputStream();
                    while (written.get() < attempt) {
                        out.write(chunk);
                        written.addAndGet(chunk.length);
                    }
                } catch (IOException e) {
                    // the socket was closed at the end of the test
                }
            }, "fast-writer");
            writer.setDaemon(true);
            writer.start();
            // The client never reads the echo: once every buffer on the way is full, the writer blocks.
            long[] last = {-1, System.nanoTime()};
            Poll.until(Duration.ofSeconds(60), "the writer held back by backpressure", () -> {
                long now = written.get();
                if (now != last[0]) {
                    last[0] = now;
                    last[1] = System.nanoTime();
                }
                return now >= attempt || System.nanoTime() - last[1] > Duration.ofSeconds(2).toNanos();
            });
            // Kernel socket buffers of three connections, both ways, hold tens of MiB at most; the pipes add
            // one element per direction.
            assertTrue(written.get() < 160L << 20, "the pipes took " + (written.get() >> 20) + " MiB from a writer whose "
                    + "reader stopped");
        }
    }

    @Test
    void twoHundredConcurrentConnectionsAllComplete() throws Exception {
        int port = pair();
        int clients = 200;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Socket> sockets = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
                s.setSoTimeout(60_000);
                sockets.add(s);
            }
            List<Future<byte[]>> replies = new ArrayList<>();
            List<byte[]> requests = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                byte[] request = new byte[5000 + i];
                new Random(i).nextBytes(request);
                requests.add(request);
                Socket s = sockets.get(i);
                replies.add(pool.submit(() -> {
                    try (s) {
                        s.getOutputStream().write(request);
                        s.shutdownOutput();
                        return SpipedInteropIT.readToEof(s.getInputStream());
                    }
                }));
            }
            for (int i = 0; i < clients; i++) {
                assertArrayEquals(requests.get(i), replies.get(i).get(120, TimeUnit.SECONDS), "client " + i);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void connectionLimitHoldsTheSixthUntilOneOfFiveAuthenticatedCloses() throws Exception {
        int port = pair("-n", "5", "-o", "30");
        List<Socket> open = new ArrayList<>();
        try {
            for (int i = 0; i < 5; i++) {
                Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
                s.setSoTimeout(10_000);
                assertEquals('a' + i, echoOne(s, 'a' + i), "connection " + i);
                open.add(s);
            }
            Socket sixth = new Socket(InetAddress.getLoopbackAddress(), port);
            open.add(sixth);
            sixth.getOutputStream().write('f');
            sixth.setSoTimeout(1500);
            assertThrows(SocketTimeoutException.class, () -> sixth.getInputStream().read(),
                    "the sixth connection was served while five were open");
            open.get(0).close();
            sixth.setSoTimeout(10_000);
            assertEquals('f', sixth.getInputStream().read(), "the sixth is served once one of the five closed");
        } finally {
            for (Socket s : open) {
                s.close();
            }
        }
    }

    @Test
    void silentStrangersNeitherCountTowardTheLimitNorKeepARealClientOut() throws Exception {
        PipeServer server = pipes.start("-d", "-s", "[127.0.0.1]:0", "-t", "[127.0.0.1]:" + echo.port(),
                "-k", key.toString(), "-n", "5", "--max-handshakes", "3", "-o", "30");
        PipeServer client = pipes.start("-e", "-s", "[127.0.0.1]:0", "-t", "[127.0.0.1]:" + MeshPipes.port(server),
                "-k", key.toString());
        List<Socket> strangers = new ArrayList<>();
        try {
            for (int i = 0; i < 10; i++) {
                Socket s = new Socket(InetAddress.getLoopbackAddress(), MeshPipes.port(server));
                s.setSoTimeout(10_000);
                strangers.add(s);
            }
            // Ten strangers wait in the handshake while -n is 5: the real client still gets through.
            try (Socket real = new Socket(InetAddress.getLoopbackAddress(), MeshPipes.port(client))) {
                real.setSoTimeout(10_000);
                assertEquals('r', echoOne(real, 'r'));
            }
            // The budget of 3 closed the oldest strangers as newer ones (and the real client) arrived.
            for (int i = 0; i < 8; i++) {
                byte[] got = readToEofOrReset(strangers.get(i));
                assertTrue(got.length <= 32, "stranger " + i + " got " + got.length + " bytes: only a nonce");
            }
        } finally {
            for (Socket s : strangers) {
                s.close();
            }
        }
    }

    /** Writes one byte and reads the echo through the pipes. */
    private static int echoOne(Socket s, int b) throws Exception {
        s.getOutputStream().write(b);
        return s.getInputStream().read();
    }

    private static byte[] readToEofOrReset(Socket s) throws Exception {
        java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
        try {
            s.getInputStream().transferTo(got);
        } catch (java.net.SocketException reset) {
            // Closed with a reset: closed all the same.
        }
        return got.toByteArray();
    }

    @Test
    void silentClientIsDroppedAfterTheTimeout() throws Exception {
        PipeServer server = pipes.start("-d", "-s", "[127.0.0.1]:0", "-t", "[127.0.0.1]:" + echo.port(),
                "-k", key.toString(), "-o", "1");
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), MeshPipes.port(server))) {
            s.setSoTimeout(10_000);
            InputStream in = s.getInputStream();
            assertEquals(32, in.readNBytes(32).length);
            long start = System.nanoTime();
            int eof;
            try {
                eof = in.read();
            } catch (java.net.SocketException reset) {
                eof = -1;
            }
            long millis = Duration.ofNanos(System.nanoTime() - start).toMillis();
            assertEquals(-1, eof);
            assertTrue(millis >= 800 && millis < 3000, "dropped after " + millis + " ms, expected about 1000");
        }
    }
}
