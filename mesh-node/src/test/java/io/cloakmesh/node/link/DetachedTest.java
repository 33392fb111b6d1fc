package io.cloakmesh.node.link;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.ConfigFactory;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A detached connection (what a warm link is) attached after it has waited. */
class DetachedTest {
    /** Pekko's subscription timeout, cut from 5 s so that waiting past it is quick. */
    private static final long SUBSCRIPTION_TIMEOUT_MS = 100;
    private static ActorSystem system;

    @BeforeAll
    static void start() {
        system = ActorSystem.create("detached-test", ConfigFactory.parseString(
                "pekko.stream.materializer.subscription-timeout.timeout = " + SUBSCRIPTION_TIMEOUT_MS + "ms"));
    }

    @AfterAll
    static void stop() {
        system.terminate();
    }

    @Test
    void aConnectionAttachedLongAfterItRanStillCarriesBytesBothWays() throws Exception {
        Flow<ByteString, ByteString, NotUsed> echo = Flow.of(ByteString.class).map(b -> ByteString.fromString("echo ").concat(b));
        Detached<NotUsed> waiting = Detached.run(echo, Materializer.matFromSystem(system), Attributes.none());
        // Nothing to poll for: what is under test is that time passing does nothing.
        Thread.sleep(5 * SUBSCRIPTION_TIMEOUT_MS);
        List<ByteString> replies = Source.from(List.of(ByteString.fromString("a"), ByteString.fromString("b")))
                .via(waiting.handle())
                .runWith(Sink.seq(), system)
                .toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertEquals(List.of(ByteString.fromString("echo a"), ByteString.fromString("echo b")), replies);
    }
}
