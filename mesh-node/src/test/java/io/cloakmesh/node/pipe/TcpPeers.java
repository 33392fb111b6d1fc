package io.cloakmesh.node.pipe;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/** Small real TCP servers for tests: an echo target, a recording target and a byte-flipping relay. */
final class TcpPeers {
    private TcpPeers() {
    }

    /** Accepts on a loopback port and runs {@code handler} on each connection in its own thread. */
    static class Server implements AutoCloseable {
        final ServerSocket socket;
        final AtomicInteger connections = new AtomicInteger();

        Server(Consumer<Socket> handler) throws IOException {
            socket = new ServerSocket(0, 512, InetAddress.getLoopbackAddress());
            Thread acceptor = new Thread(() -> {
                while (!socket.isClosed()) {
                    try {
                        Socket s = socket.accept();
                        connections.incrementAndGet();
                        Thread t = new Thread(() -> handler.accept(s), "peer-conn");
                        t.setDaemon(true);
                        t.start();
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "peer-accept");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return socket.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /** Echoes every byte; on EOF it finishes its replies and half-closes, like a request/response server. */
    static Server echo() throws IOException {
        return new Server(s -> {
            try (s) {
                s.getInputStream().transferTo(s.getOutputStream());
                s.shutdownOutput();
            } catch (IOException ignored) {
                // the peer went away; nothing to echo to
            }
        });
    }

    /** Counts every byte it receives and never answers. */
    static final class Recorder extends Server {
        final AtomicLong bytes;

        private Recorder(AtomicLong bytes) throws IOException {
            super(s -> {
                try (s) {
                    byte[] buf = new byte[8192];
                    int n;
                    while ((n = s.getInputStream().read(buf)) > 0) {
                        bytes.addAndGet(n);
                    }
                } catch (IOException ignored) {
                    // counted what arrived
                }
            });
            this.bytes = bytes;
        }

        static Recorder start() throws IOException {
            return new Recorder(new AtomicLong());
        }
    }

    /** Relays to {@code targetPort}, flipping the byte at {@code offset} of the chosen direction. */
    static Server flipper(int targetPort, boolean clientToServer, long offset) throws IOException {
        return new Server(client -> {
            try (client; Socket server = new Socket(InetAddress.getLoopbackAddress(), targetPort)) {
                Thread up = pump(client, server, clientToServer ? offset : -1);
                Thread down = pump(server, client, clientToServer ? -1 : offset);
                up.join();
                down.join();
            } catch (IOException | InterruptedException ignored) {
                // either side closing ends the relay
            }
        });
    }

    private static Thread pump(Socket from, Socket to, long flipAt) {
        Thread t = new Thread(() -> {
            try {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                byte[] buf = new byte[8192];
                long seen = 0;
                int n;
                while ((n = in.read(buf)) > 0) {
                    if (flipAt >= seen && flipAt < seen + n) {
                        buf[(int) (flipAt - seen)] ^= 0x01;
                    }
                    seen += n;
                    out.write(buf, 0, n);
                }
                to.shutdownOutput();
            } catch (IOException e) {
                try {
                    from.close();
                    to.close();
                } catch (IOException ignored) {
                    // already closing
                }
            }
        }, "relay");
        t.setDaemon(true);
        t.start();
        return t;
    }
}
