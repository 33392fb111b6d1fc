package io.cloakmesh.protocol.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
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
    void theEntrySendsTheClientsBytesRightBehindTheRequestBeforeAnyAnswer() throws Exception {
        // The "exit" records what reaches it and answers only once the client's bytes have come too: they
        // must not wait for the answer (the exit holds them), and must follow the whole request.
        ConcurrentLinkedQueue<ByteString> atExit = new ConcurrentLinkedQueue<>();
        ByteString expected = LinkFrames.encode(OpenRequest.of("orders")).concat(ByteString.fromString("secretmore"));
        CompletableFuture<ByteString> answer = new CompletableFuture<>();
        Flow<ByteString, ByteString, ?> exit = Flow.fromSinkAndSource(
                Sink.foreach(b -> {
                    atExit.add(b);
                    if (atExit.stream().reduce(ByteString.emptyByteString(), ByteString::concat).size() >= expected.size()) {
                        answer.complete(LinkFrames.encode(OpenReply.refused(OpenStatus.DRAINING, "not now")));
                    }
                }),
                Source.completionStage(answer));
        CompletionStage<OpenReply> opened = Source.from(List.of("secret", "more"))
                .map(ByteString::fromString)
                .concat(Source.maybe())
                .viaMat(EntryGate.create(OpenRequest.of("orders")).join(exit), Keep.right())
                .to(Sink.ignore())
                .run(system);
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> opened.toCompletableFuture().get(5, TimeUnit.SECONDS));
        assertEquals(OpenStatus.DRAINING, assertInstanceOf(LinkRefusedException.class, e.getCause()).reply().status());
        assertEquals(expected, atExit.stream().reduce(ByteString.emptyByteString(), ByteString::concat));
    }

    @Test
    void theExitHoldsBytesThatCameWithTheRequestUntilItSaysOk() throws Exception {
        ConcurrentLinkedQueue<ByteString> atTarget = new ConcurrentLinkedQueue<>();
        CompletableFuture<OpenReply> later = new CompletableFuture<>();
        CompletableFuture<OpenRequest> asked = new CompletableFuture<>();
        Flow<ByteString, ByteString, ?> target = Flow.fromSinkAndSource(Sink.foreach(atTarget::add), Source.maybe());
        CompletionStage<List<ByteString>> replies = Source.single(LinkFrames.encode(OpenRequest.of("orders"))
                        .concat(ByteString.fromString("early bytes")))
                .concat(Source.maybe())
                .via(ExitGate.create(r -> {
                    asked.complete(r);
                    return later;
                }).join(target))
                .take(1)
                .runWith(Sink.seq(), system);
        assertEquals(OpenRequest.of("orders"), asked.get(5, TimeUnit.SECONDS));
        assertTrue(atTarget.isEmpty(), "bytes reached the target before OK: " + atTarget);
        later.complete(OpenReply.OK);
        assertEquals(List.of(LinkFrames.encode(OpenReply.OK)), replies.toCompletableFuture().get(5, TimeUnit.SECONDS));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (atTarget.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals("early bytes", atTarget.stream().reduce(ByteString.emptyByteString(), ByteString::concat).utf8String());
    }
}
