package io.cloakmesh.node.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;

/**
 * An attacker on the network at one port: connections that never say a word, ones that send a TLS
 * ClientHello and stop (anyone can, without a certificate), and ones that send an HTTP request instead.
 */
public final class Strangers implements AutoCloseable {
    public final List<Socket> silent = new ArrayList<>();
    public final List<Socket> halfway = new ArrayList<>();
    public final List<Socket> garbage = new ArrayList<>();

    private Strangers() {
    }

    /** Opens the three kinds of connection to {@code port}, silent ones first. */
    public static Strangers at(int port, int silent, int halfway, int garbage) throws Exception {
        Strangers strangers = new Strangers();
        try {
            for (int i = 0; i < silent; i++) {
                strangers.silent.add(connect(port));
            }
            byte[] hello = clientHello();
            for (int i = 0; i < halfway; i++) {
                Socket s = connect(port);
                s.getOutputStream().write(hello);
                strangers.halfway.add(s);
            }
            for (int i = 0; i < garbage; i++) {
                Socket s = connect(port);
                s.getOutputStream().write("GET / HTTP/1.1\r\nHost: node\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                strangers.garbage.add(s);
            }
            return strangers;
        } catch (Exception e) {
            strangers.close();
            throw e;
        }
    }

    /** Waits until the peer has closed every half-way and silent connection, each within its socket's timeout. */
    public void allClosedByThePeer() throws IOException {
        for (List<Socket> kind : List.of(halfway, silent)) {
            for (Socket s : kind) {
                closedAfter(s);
            }
        }
    }

    /** A connection whose reads time out after 30 s. */
    public static Socket connect(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        s.setSoTimeout(30_000);
        return s;
    }

    /**
     * Waits until the peer closes the connection (EOF or a reset), failing if it does not within the socket's
     * timeout; returns how many bytes it sent before (a TLS server answers a ClientHello with its own flight).
     */
    public static int closedAfter(Socket s) throws IOException {
        int received = 0;
        try {
            byte[] buf = new byte[4096];
            for (int n; (n = s.getInputStream().read(buf)) >= 0; ) {
                received += n;
                assertTrue(received < 65536, "the port keeps talking to a stranger");
            }
        } catch (java.net.SocketException reset) {
            // Closed with a reset: closed all the same.
        }
        return received;
    }

    /** The first flight of a TLS client: a ClientHello. */
    public static byte[] clientHello() throws Exception {
        SSLEngine engine = SSLContext.getDefault().createSSLEngine("stranger", 1);
        engine.setUseClientMode(true);
        ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        engine.wrap(ByteBuffer.allocate(0), out);
        out.flip();
        byte[] hello = new byte[out.remaining()];
        out.get(hello);
        return hello;
    }

    /** Whole seconds since {@code nanos} ({@link System#nanoTime()}). */
    public static long secondsSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000_000L;
    }

    @Override
    public void close() throws IOException {
        for (List<Socket> sockets : List.of(silent, halfway, garbage)) {
            for (Socket s : sockets) {
                s.close();
            }
        }
    }
}
