package io.cloakmesh.node.link;

import java.time.Duration;
import org.apache.pekko.NotUsed;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.ActorAttributes;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.StreamSubscriptionTimeoutTerminationMode;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.javadsl.AsPublisher;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;

/**
 * A connection flow run now and attached later: lets a node connect (and learn whether the far side
 * said yes) before it commits a client's connection to it, so a failed attempt can be dropped and the
 * next one tried without the client noticing. Backpressure crosses the seam through Reactive Streams
 * demand, so nothing is buffered beyond a few elements. Its owner attaches or closes it: it waits as long
 * as that takes (Pekko's subscription timeout, which would cancel a publisher left unattached for 5 s
 * and leave a warm link that fails its client, does not apply).
 *
 * @param <M> the connection flow's materialized value
 */
final class Detached<M> {
    private final Flow<ByteString, ByteString, NotUsed> handle;
    private final UniqueKillSwitch killSwitch;
    private final M materialized;

    private Detached(Flow<ByteString, ByteString, NotUsed> handle, UniqueKillSwitch killSwitch, M materialized) {
        this.handle = handle;
        this.killSwitch = killSwitch;
        this.materialized = materialized;
    }

    /** Runs {@code connection} now, with {@code attributes} (where to run it: {@code Incoming.colocated}). */
    static <M> Detached<M> run(Flow<ByteString, ByteString, M> connection, Materializer materializer, Attributes attributes) {
        Pair<Pair<Pair<Subscriber<ByteString>, UniqueKillSwitch>, M>, Publisher<ByteString>> run =
                Source.<ByteString>asSubscriber()
                        .viaMat(KillSwitches.single(), Keep.both())
                        .viaMat(connection, Keep.both())
                        .toMat(Sink.asPublisher(AsPublisher.WITHOUT_FANOUT), Keep.both())
                        .withAttributes(attributes.and(ActorAttributes.streamSubscriptionTimeout(Duration.ofDays(365),
                                StreamSubscriptionTimeoutTerminationMode.noop())))
                        .run(materializer);
        Subscriber<ByteString> in = run.first().first().first();
        Publisher<ByteString> out = run.second();
        // Not coupled: one direction may finish while the other still flows (TCP half-close).
        Flow<ByteString, ByteString, NotUsed> handle = Flow.fromSinkAndSource(Sink.fromSubscriber(in), Source.fromPublisher(out));
        return new Detached<>(handle, run.first().first().second(), run.first().second());
    }

    M materialized() {
        return materialized;
    }

    /** The connection as a flow to join a client to; use it once. */
    Flow<ByteString, ByteString, NotUsed> handle() {
        return handle;
    }

    /** Ends the connection as a client that is done would: no bytes in flight are cut off. */
    void close() {
        killSwitch.shutdown();
    }

    /** Tears the connection down, attached or not. */
    void abort(Throwable reason) {
        killSwitch.abort(reason);
    }
}
