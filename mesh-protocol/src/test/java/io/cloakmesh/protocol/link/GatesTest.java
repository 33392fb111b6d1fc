package io.cloakmesh.protocol.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The two gates joined back to back in memory, with an upper-casing "target" behind the exit. */
class GatesTest {
    private static ActorSystem system;

    @BeforeAll
    static void start() {
        system = ActorSystem.create("gates");
    }

    @AfterAll
    static void stop() {
        system.terminate();
    }

    private static final Flow<ByteString, ByteString, ?> UPPER =
            Flow.of(ByteString.class).map(b -> ByteString.fromString(b.utf8String().toUpperCase()));

    private Pair<CompletionStage<OpenReply>, CompletionStage<String>> run(
            java.util.function.Function<OpenRequest, CompletionStage<OpenReply>> decide, List<String> client) {
        return Source.from(client).map(ByteString::fromString)
                .viaMat(EntryGate.create(OpenRequest.of("orders")).atop(ExitGate.create(decide)).join(UPPER),
                        Keep.right())
                .toMat(Sink.fold("", (acc, b) -> acc + b.utf8String()), Keep.both())
                .run(system);
    }

    @Test
    void okLetsBytesThroughBothWaysAndHalfClosePropagates() throws Exception {
        AtomicReference<OpenRequest> seen = new AtomicReference<>();
        var result = run(r -> {
            seen.set(r);
            return CompletableFuture.completedFuture(OpenReply.OK);
        }, List.of("ping ", "pong"));
        assertEquals(OpenReply.OK, result.first().toCompletableFuture().get(5, TimeUnit.SECONDS));
        assertEquals("PING PONG", result.second().toCompletableFuture().get(5, TimeUnit.SECONDS));
        assertEquals(OpenRequest.of("orders"), seen.get());
    }

    @Test
    void refusalFailsTheEntryAndNoClientByteReachesTheTarget() throws Exception {
        var result = run(r -> CompletableFuture.completedFuture(
                OpenReply.refused(OpenStatus.UNKNOWN_SERVICE, "no such service")), List.of("secret"));
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> result.first().toCompletableFuture().get(5, TimeUnit.SECONDS));
        LinkRefusedException refused = assertInstanceOf(LinkRefusedException.class, e.getCause());
        assertEquals(OpenStatus.UNKNOWN_SERVICE, refused.reply().status());
        ExecutionException out = assertThrows(ExecutionException.class,
                () -> result.second().toCompletableFuture().get(5, TimeUnit.SECONDS));
        assertInstanceOf(LinkRefusedException.class, out.getCause());
    }

    @Test
    void aSlowDecisionHoldsClientBytesBack() throws Exception {
        CompletableFuture<OpenReply> later = new CompletableFuture<>();
        var result = run(r -> later, List.of("a", "b", "c"));
        assertTrue(!result.second().toCompletableFuture().isDone());
        later.complete(OpenReply.OK);
        assertEquals("ABC", result.second().toCompletableFuture().get(5, TimeUnit.SECONDS));
    }
}
