package io.cloakmesh.crypto.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import org.junit.jupiter.api.Test;

class ClientHelloTest {

    /** The first flight of a JDK TLS client speaking only {@code protocol}. */
    private static byte[] hello(String protocol) throws Exception {
        SSLEngine engine = SSLContext.getDefault().createSSLEngine("node", 25520);
        engine.setUseClientMode(true);
        engine.setEnabledProtocols(new String[] {protocol});
        ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        engine.wrap(ByteBuffer.allocate(0), out);
        out.flip();
        byte[] bytes = new byte[out.remaining()];
        out.get(bytes);
        return bytes;
    }

    @Test
    void readsTheRandomOfTls12And13Hellos() throws Exception {
        for (String protocol : new String[] {"TLSv1.2", "TLSv1.3"}) {
            byte[] hello = hello(protocol);
            String random = ClientHello.random(ByteBuffer.wrap(hello)).orElseThrow();
            assertEquals(64, random.length(), protocol);
            assertEquals(random, ClientHello.random(ByteBuffer.wrap(hello, 0, ClientHello.RANDOM_END)).orElseThrow(),
                    protocol + ": the random is known from the first " + ClientHello.RANDOM_END + " bytes");
            assertNotEquals(random, ClientHello.random(ByteBuffer.wrap(hello(protocol))).orElseThrow(),
                    protocol + ": every hello has its own random");
        }
    }

    @Test
    void waitsForMoreBytesWithoutMovingTheBuffer() throws Exception {
        byte[] hello = hello("TLSv1.3");
        for (int n = 0; n < ClientHello.RANDOM_END; n++) {
            ByteBuffer partial = ByteBuffer.wrap(Arrays.copyOf(hello, n));
            assertEquals(Optional.empty(), ClientHello.random(partial), n + " bytes");
            assertEquals(0, partial.position());
        }
        ByteBuffer offset = ByteBuffer.allocate(hello.length + 7);
        offset.position(7);
        offset.put(hello);
        offset.position(7);
        assertEquals(ClientHello.random(ByteBuffer.wrap(hello)), ClientHello.random(offset), "reads from the position");
        assertEquals(7, offset.position());
    }

    @Test
    void refusesWhatIsNotAClientHelloAsSoonAsItCanTell() throws Exception {
        assertThrows(ClientHello.NotClientHelloException.class,
                () -> ClientHello.random(ByteBuffer.wrap("G".getBytes(StandardCharsets.US_ASCII))), "plain text, one byte");
        assertThrows(ClientHello.NotClientHelloException.class,
                () -> ClientHello.random(ByteBuffer.wrap(new byte[] {22, 2})), "SSL 2 / not TLS 1.x");
        assertThrows(ClientHello.NotClientHelloException.class,
                () -> ClientHello.random(ByteBuffer.wrap(new byte[] {23, 3, 3, 0, 64})), "application data");
        assertThrows(ClientHello.NotClientHelloException.class,
                () -> ClientHello.random(ByteBuffer.wrap(new byte[] {22, 3, 3, 0, 10})), "a record too short for a hello");
        byte[] serverHello = hello("TLSv1.3");
        serverHello[5] = 2;
        assertThrows(ClientHello.NotClientHelloException.class, () -> ClientHello.random(ByteBuffer.wrap(serverHello)),
                "a ServerHello");
        assertTrue(ClientHello.random(ByteBuffer.wrap(new byte[] {22, 3, 1, 1, 0, 1})).isEmpty(), "a good start waits");
    }
}
