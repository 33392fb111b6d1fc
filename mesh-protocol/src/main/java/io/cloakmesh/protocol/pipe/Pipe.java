package io.cloakmesh.protocol.pipe;

import io.cloakmesh.crypto.pipe.Role;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.stream.javadsl.BidiFlow;
import org.apache.pekko.util.ByteString;

/**
 * The pipe protocol as BidiFlows, plaintext on the left and the encrypted wire on the right:
 * {@code pipe.join(wireConnection)} is a plaintext flow; {@code pipe.reversed().join(plaintextTarget)}
 * handles an incoming encrypted connection.
 *
 * <p>Each flow serves one connection: {@code authenticated} completes when the peer has proved it holds
 * the key (and fails if it never does), so a server can connect to its target only then. The materialized
 * value completes when the connection ends, failed with a {@link PipeFailure} or the socket's error.
 */
public final class Pipe {
    private Pipe() {
    }

    /** The encrypting end ({@code spiped -e}). */
    public static BidiFlow<ByteString, ByteString, ByteString, ByteString, CompletionStage<Done>> client(
            PipeSettings settings, CompletableFuture<Done> authenticated) {
        return BidiFlow.fromGraph(new PipeStage(Role.CLIENT, settings, authenticated));
    }

    /** The decrypting end ({@code spiped -d}). */
    public static BidiFlow<ByteString, ByteString, ByteString, ByteString, CompletionStage<Done>> server(
            PipeSettings settings, CompletableFuture<Done> authenticated) {
        return BidiFlow.fromGraph(new PipeStage(Role.SERVER, settings, authenticated));
    }
}
