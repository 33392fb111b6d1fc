package io.cloakmesh.protocol.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The entry's failover with early bytes, against exits made of the real {@link ExitGate} (which opens)
 * and of recorders that refuse or stay silent only after the client's early bytes have reached them.
 */
class LinkFailoverTest {
    private static final OpenRequest REQUEST = OpenRequest.of("orders");
    private static final ByteString REQUEST_BYTES = LinkFrames.encode(REQUEST);
    private static ActorSystem system;

    @BeforeAll
    static void start() {
        system = ActorSystem.create("failover");
    }

    @AfterAll
    static void stop() {
        system.terminate();
    }

    /** What an exit side of a link saw, and its answer to give. */
    private static final class Recorder {
        final ConcurrentLinkedQueue<ByteString> seen = new ConcurrentLinkedQueue<>();
        final CompletableFuture<ByteString> answer = new CompletableFuture<>();

        ByteString all() {
            return seen.stream().reduce(ByteString.emptyByteString(), ByteString::concat);
        }

        /** An exit that refuses once {@code before} bytes have arrived, or never answers if {@code refusal} is null. */
        Flow<ByteString, ByteString, ?> exit(int before, OpenReply refusal) {
            return Flow.fromSinkAndSource(Sink.foreach(b -> {
                seen.add(b);
                if (refusal != null && all().size() >= before) {
                    answer.complete(LinkFrames.encode(refusal));
                }
            }), Source.completionStage(answer));
        }
    }

    /** An exit that opens, before a target that records what reaches it and answers in upper case. */
    private static Flow<ByteString, ByteString, ?> opening(ConcurrentLinkedQueue<ByteString> atTarget,
            CompletableFuture<Void> targetEnded) {
        Flow<ByteString, ByteString, ?> target = Flow.of(ByteString.class)
                .map(b -> {
                    atTarget.add(b);
                    return ByteString.fromString(b.utf8String().toUpperCase());
                })
                .watchTermination((m, done) -> done.thenRun(() -> targetEnded.complete(null)));
        return ExitGate.create(r -> CompletableFuture.completedFuture(OpenReply.OK)).join(target);
    }

    /** An exit of a test: its link, and whether it has shown it is alive before answering (a new link's handshake). */
    private record Exit(Flow<ByteString, ByteString, ?> link, CompletionStage<?> alive) {
        /** A warm link: nothing shows its exit alive but an answer. */
        Exit(Flow<ByteString, ByteString, ?> link) {
            this(link, new CompletableFuture<>());
        }
    }

    /** The exits in order; {@code hedge}: the hedge delay, null for none. */
    private record Attempts(List<Exit> exits, Duration hedge, List<Throwable> failures, AtomicInteger opened,
            ConcurrentLinkedQueue<Integer> outrun, AtomicInteger beside, AtomicInteger launched)
            implements LinkFailover.Attempts {
        Attempts(List<Flow<ByteString, ByteString, ?>> exits) {
            this(exits.stream().map(Exit::new).toList(), null);
        }

        Attempts(List<Exit> exits, Duration hedge) {
            this(exits, hedge, new ArrayList<>(), new AtomicInteger(), new ConcurrentLinkedQueue<>(), new AtomicInteger(),
                    new AtomicInteger());
        }

        @Override
        public LinkFailover.Attempt next(boolean hedged) throws Exception {
            int index = launched.get();
            if (index == exits.size()) {
                throw new IllegalStateException("no exit left");
            }
            launched.incrementAndGet();
            if (hedged) {
                beside.incrementAndGet();
            }
            return new LinkFailover.Attempt(EntryGate.create(REQUEST).join(exits.get(index).link()), exits.get(index).alive(),
                    opened::incrementAndGet, failures::add, () -> outrun.add(index));
        }

        @Override
        public Optional<Duration> hedgeDelay() {
            return hedge != null && launched.get() < exits.size() ? Optional.of(hedge) : Optional.empty();
        }
    }

    private static String text(int length, long seed) {
        Random random = new Random(seed);
        StringBuilder b = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            b.append((char) ('a' + random.nextInt(26)));
        }
        return b.toString();
    }

    private static List<ByteString> chunks(String text, int size) {
        List<ByteString> chunks = new ArrayList<>();
        for (int i = 0; i < text.length(); i += size) {
            chunks.add(ByteString.fromString(text.substring(i, Math.min(text.length(), i + size))));
        }
        return chunks;
    }

    /** Runs a client that sends {@code chunks} and stays open, reading {@code expect} bytes of reply. */
    private static CompletionStage<String> client(List<ByteString> chunks, Attempts attempts, Duration timeout, int expect) {
        return client(Source.from(chunks), attempts, timeout, expect);
    }

    /** The same with the chunks sent at most one per {@code every}. */
    private static CompletionStage<String> client(List<ByteString> chunks, Duration every, Attempts attempts, Duration timeout,
            int expect) {
        return client(Source.from(chunks).throttle(1, every), attempts, timeout, expect);
    }

    private static CompletionStage<String> client(Source<ByteString, ?> chunks, Attempts attempts, Duration timeout, int expect) {
        return chunks.concat(Source.maybe())
                .via(LinkFailover.create(attempts, timeout))
                .via(Flow.of(ByteString.class).scan(ByteString.emptyByteString(), ByteString::concat))
                .filter(all -> all.size() >= expect)
                .take(1)
                .map(ByteString::utf8String)
                .runWith(Sink.head(), system);
    }

    @Test
    void aRefusalAfterTheEarlyBytesFailsOverWithoutLosingOrRepeatingAByte() throws Exception {
        String payload = text(10_000, 1);
        Recorder refusing = new Recorder();
        ConcurrentLinkedQueue<ByteString> atTarget = new ConcurrentLinkedQueue<>();
        Attempts attempts = new Attempts(List.of(
                refusing.exit(REQUEST_BYTES.size() + payload.length(), OpenReply.refused(OpenStatus.DRAINING, "draining")),
                opening(atTarget, new CompletableFuture<>())));
        String reply = client(chunks(payload, 700), attempts, Duration.ofSeconds(5), payload.length())
                .toCompletableFuture().get(10, TimeUnit.SECONDS);
        // The refusing exit had the request and every client byte before it answered: they went early.
        assertEquals(REQUEST_BYTES.concat(ByteString.fromString(payload)), refusing.all());
        assertEquals(payload.toUpperCase(), reply);
        assertEquals(payload, atTarget.stream().reduce(ByteString.emptyByteString(), ByteString::concat).utf8String());
        assertEquals(1, attempts.failures().size());
        assertEquals(OpenStatus.DRAINING,
                assertInstanceOf(LinkRefusedException.class, attempts.failures().get(0)).reply().status());
        assertEquals(1, attempts.opened().get());
    }

    @Test
    void whileNoExitAnswersTheClientIsReadOnlyAsFarAsTheReplayBound() throws Exception {
        String payload = text(1 << 20, 2);
        Recorder silent = new Recorder();
        ConcurrentLinkedQueue<ByteString> atTarget = new ConcurrentLinkedQueue<>();
        Attempts attempts = new Attempts(List.of(silent.exit(0, null), opening(atTarget, new CompletableFuture<>())));
        String reply = client(chunks(payload, 16 * 1024), attempts, Duration.ofMillis(300), payload.length())
                .toCompletableFuture().get(20, TimeUnit.SECONDS);
        int atSilent = silent.all().size() - REQUEST_BYTES.size();
        assertTrue(atSilent >= 16 * 1024 && atSilent <= LinkFailover.MAX_EARLY_BYTES + 16 * 1024,
                "the silent exit got " + atSilent + " early bytes");
        assertInstanceOf(TimeoutException.class, attempts.failures().get(0));
        assertEquals(payload.toUpperCase(), reply);
        assertEquals(payload, atTarget.stream().reduce(ByteString.emptyByteString(), ByteString::concat).utf8String());
    }

    @Test
    void aClientThatHalfClosesBeforeAnyAnswerHasItsBytesAndItsEndReplayed() throws Exception {
        Recorder refusing = new Recorder();
        ConcurrentLinkedQueue<ByteString> atTarget = new ConcurrentLinkedQueue<>();
        CompletableFuture<Void> targetEnded = new CompletableFuture<>();
        Attempts attempts = new Attempts(List.of(
                refusing.exit(REQUEST_BYTES.size() + 4, OpenReply.refused(OpenStatus.OVERLOADED, "full")),
                opening(atTarget, targetEnded)));
        CompletionStage<String> reply = Source.single(ByteString.fromString("ping"))
                .via(LinkFailover.create(attempts, Duration.ofSeconds(5)))
                .runWith(Sink.fold("", (acc, b) -> acc + b.utf8String()), system);
        assertEquals("PING", reply.toCompletableFuture().get(10, TimeUnit.SECONDS));
        targetEnded.get(5, TimeUnit.SECONDS);
        assertEquals("ping", atTarget.stream().reduce(ByteString.emptyByteString(), ByteString::concat).utf8String());
    }

    @Test
    void whenEveryExitRefusesTheClientGetsTheReasonNoneIsLeft() {
        Recorder first = new Recorder();
        Recorder second = new Recorder();
        Attempts attempts = new Attempts(List.of(
                first.exit(REQUEST_BYTES.size(), OpenReply.refused(OpenStatus.UNKNOWN_SERVICE, "no")),
                second.exit(REQUEST_BYTES.size(), OpenReply.refused(OpenStatus.TARGET_UNREACHABLE, "down"))));
        ExecutionException e = assertThrows(ExecutionException.class, () -> client(List.of(ByteString.fromString("x")),
                attempts, Duration.ofSeconds(5), 1).toCompletableFuture().get(10, TimeUnit.SECONDS));
        assertEquals("no exit left", assertInstanceOf(IllegalStateException.class, e.getCause()).getMessage());
        assertEquals(2, attempts.failures().size());
        assertEquals(0, attempts.opened().get());
    }

    @Test
    void anOpenIsCountedOnceWhenTheExitsBytesComeWithItsAnswer() throws Exception {
        // The target answers at once, so its reply follows the OK in the same read of the link.
        ConcurrentLinkedQueue<ByteString> atTarget = new ConcurrentLinkedQueue<>();
        Attempts attempts = new Attempts(List.of(opening(atTarget, new CompletableFuture<>())));
        assertEquals("HELLO", client(List.of(ByteString.fromString("hello")), attempts, Duration.ofSeconds(5), 5)
                .toCompletableFuture().get(10, TimeUnit.SECONDS));
        assertEquals(1, attempts.opened().get());
        assertTrue(attempts.failures().isEmpty());
    }

    @Test
    void aSilentExitIsOutrunByAHedgeWhichAloneGetsTheEarlyBytes() throws Exception {
        Recorder silent = new Recorder();
        ConcurrentLinkedQueue<ByteString> atTarget = new ConcurrentLinkedQueue<>();
        Attempts attempts = new Attempts(List.of(new Exit(silent.exit(0, null)),
                new Exit(opening(atTarget, new CompletableFuture<>()))), Duration.ofMillis(50));
        long started = System.nanoTime();
        String reply = client(List.of(ByteString.fromString("incr counter")), attempts, Duration.ofSeconds(30), 12)
                .toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertEquals("INCR COUNTER", reply);
        assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(5), "served by the hedge, not after the open timeout");
        assertEquals(REQUEST_BYTES, silent.all(), "the silent exit had the open request and not one byte of the client's");
        assertEquals("incr counter", atTarget.stream().reduce(ByteString.emptyByteString(), ByteString::concat).utf8String());
        assertEquals(1, attempts.beside().get());
        assertEquals(List.of(0), List.copyOf(attempts.outrun()));
        assertTrue(attempts.failures().isEmpty(), attempts.failures().toString());
        assertEquals(1, attempts.opened().get());
    }

    @Test
    void whileAHedgeCouldStartNoExitGetsTheEarlyBytesBeforeItAnswers() throws Exception {
        CompletableFuture<ByteString> seenAtAnswer = new CompletableFuture<>();
        ConcurrentLinkedQueue<ByteString> seen = new ConcurrentLinkedQueue<>();
        CompletableFuture<ByteString> answer = new CompletableFuture<>();
        // An exit that answers OK 200 ms after the request, noting what it had by then.
        Flow<ByteString, ByteString, ?> slowToAnswer = Flow.fromSinkAndSource(Sink.foreach(b -> {
            seen.add(b);
            if (seen.size() == 1) {
                CompletableFuture.delayedExecutor(200, TimeUnit.MILLISECONDS).execute(() -> {
                    seenAtAnswer.complete(seen.stream().reduce(ByteString.emptyByteString(), ByteString::concat));
                    answer.complete(LinkFrames.encode(OpenReply.OK));
                });
            }
        }), Source.completionStage(answer).concat(Source.maybe()));
        Attempts attempts = new Attempts(List.of(new Exit(slowToAnswer), new Exit(opening(new ConcurrentLinkedQueue<>(),
                new CompletableFuture<>()))), Duration.ofSeconds(20));
        Source.single(ByteString.fromString("set k v")).concat(Source.maybe())
                .via(LinkFailover.create(attempts, Duration.ofSeconds(30))).runWith(Sink.ignore(), system);
        assertEquals(REQUEST_BYTES, seenAtAnswer.get(10, TimeUnit.SECONDS), "no client byte before the answer");
        Poll.until(() -> seen.stream().reduce(ByteString.emptyByteString(), ByteString::concat)
                .equals(REQUEST_BYTES.concat(ByteString.fromString("set k v"))));
        assertEquals(1, attempts.opened().get());
        assertEquals(0, attempts.beside().get());
    }

    @Test
    void anExitThatShowedItIsAliveHoldsTheEarlyBytesAndNoHedgeStartsBesideIt() throws Exception {
        Recorder silent = new Recorder();
        ConcurrentLinkedQueue<ByteString> atTarget = new ConcurrentLinkedQueue<>();
        Attempts attempts = new Attempts(List.of(new Exit(silent.exit(0, null), CompletableFuture.completedFuture(null)),
                new Exit(opening(atTarget, new CompletableFuture<>()))), Duration.ofMillis(20));
        String reply = client(List.of(ByteString.fromString("lpush q x")), attempts, Duration.ofMillis(500), 9)
                .toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertEquals("LPUSH Q X", reply);
        assertEquals(REQUEST_BYTES.concat(ByteString.fromString("lpush q x")), silent.all(),
                "a live exit gets the bytes at once");
        assertEquals(0, attempts.beside().get(), "no second exit may be given bytes the first may still run");
        assertInstanceOf(TimeoutException.class, attempts.failures().get(0));
        assertEquals("lpush q x", atTarget.stream().reduce(ByteString.emptyByteString(), ByteString::concat).utf8String());
    }

    @Test
    void bytesTheClientSendsWhileAnAnswerIsAwaitedAllReachTheTargetInOrder() throws Exception {
        String payload = text(5_000, 3);
        ConcurrentLinkedQueue<ByteString> atTarget = new ConcurrentLinkedQueue<>();
        Flow<ByteString, ByteString, ?> target = Flow.of(ByteString.class).map(b -> {
            atTarget.add(b);
            return ByteString.fromString(b.utf8String().toUpperCase());
        });
        // An exit that answers OK 100 ms after the request, while the client is still sending.
        Flow<ByteString, ByteString, ?> slow = ExitGate.create(r -> CompletableFuture.supplyAsync(() -> OpenReply.OK,
                CompletableFuture.delayedExecutor(100, TimeUnit.MILLISECONDS))).join(target);
        Attempts attempts = new Attempts(List.of(new Exit(slow), new Exit(opening(new ConcurrentLinkedQueue<>(),
                new CompletableFuture<>()))), Duration.ofSeconds(20));
        String reply = client(chunks(payload, 100), Duration.ofMillis(5), attempts, Duration.ofSeconds(30), payload.length())
                .toCompletableFuture().get(20, TimeUnit.SECONDS);
        assertEquals(payload.toUpperCase(), reply);
        assertEquals(payload, atTarget.stream().reduce(ByteString.emptyByteString(), ByteString::concat).utf8String());
    }

    /**
     * The invariant hedging rests on, under random timing: whatever the exits do (answer OK late or soon,
     * refuse, or freeze) and however the client's bytes arrive, the client's bytes are run by at most one
     * exit, and a client that got its reply had every byte run once, in order, by that one. A frozen exit
     * runs, when it wakes, whatever reached it (as one does from its socket buffer), however the entry
     * closed the link meanwhile; a live one may show itself alive (a handshake) before it answers.
     */
    @Test
    void theClientsBytesRunOnOneExitAtMostWhateverTheTiming() throws Exception {
        Random random = new Random(22);
        for (int round = 0; round < 60; round++) {
            String payload = text(1 + random.nextInt(3_000), round);
            List<ConcurrentLinkedQueue<ByteString>> targets = new ArrayList<>();
            List<Recorder> frozen = new ArrayList<>();
            List<Exit> exits = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                int kind = random.nextInt(4);
                if (kind == 3) {
                    Recorder recorder = new Recorder();
                    frozen.add(recorder);
                    exits.add(new Exit(recorder.exit(0, null)));
                    continue;
                }
                ConcurrentLinkedQueue<ByteString> atTarget = new ConcurrentLinkedQueue<>();
                targets.add(atTarget);
                long delay = random.nextInt(25);
                Flow<ByteString, ByteString, ?> target = Flow.of(ByteString.class).map(b -> {
                    atTarget.add(b);
                    return ByteString.fromString(b.utf8String().toUpperCase());
                });
                Flow<ByteString, ByteString, ?> exit = ExitGate.create(r -> CompletableFuture.supplyAsync(
                        () -> kind == 2 ? OpenReply.refused(OpenStatus.OVERLOADED, "full") : OpenReply.OK,
                        CompletableFuture.delayedExecutor(delay, TimeUnit.MILLISECONDS))).join(target);
                CompletableFuture<Void> alive = new CompletableFuture<>();
                if (random.nextBoolean()) {
                    CompletableFuture.delayedExecutor(random.nextInt(25), TimeUnit.MILLISECONDS).execute(() -> alive.complete(null));
                }
                exits.add(new Exit(exit, alive));
            }
            Attempts attempts = new Attempts(exits, Duration.ofMillis(1 + random.nextInt(10)));
            String reply;
            try {
                reply = client(chunks(payload, 1 + random.nextInt(500)), Duration.ofMillis(random.nextInt(3) + 1), attempts,
                        Duration.ofMillis(100), payload.length()).toCompletableFuture().get(10, TimeUnit.SECONDS);
            } catch (ExecutionException noExitLeft) {
                reply = null;
            }
            List<String> ran = new ArrayList<>();
            for (ConcurrentLinkedQueue<ByteString> atTarget : targets) {
                String got = atTarget.stream().reduce(ByteString.emptyByteString(), ByteString::concat).utf8String();
                if (!got.isEmpty()) {
                    ran.add(got);
                }
            }
            for (Recorder wakes : frozen) {
                if (wakes.all().size() > REQUEST_BYTES.size()) {
                    ran.add(wakes.all().drop(REQUEST_BYTES.size()).utf8String());
                }
            }
            assertTrue(ran.size() <= 1, "round " + round + ": the client's bytes ran on " + ran.size() + " exits");
            if (reply != null) {
                assertEquals(payload.toUpperCase(), reply, "round " + round);
                assertEquals(List.of(payload), ran, "round " + round);
            }
        }
    }

    /** Polls {@code condition} for up to 10 s. */
    private static final class Poll {
        static void until(java.util.function.BooleanSupplier condition) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!condition.getAsBoolean()) {
                assertTrue(System.nanoTime() < deadline, "condition not met within 10 s");
                Thread.sleep(10);
            }
        }
    }
}
