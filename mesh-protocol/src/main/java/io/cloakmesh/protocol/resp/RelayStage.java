package io.cloakmesh.protocol.resp;

import org.apache.pekko.stream.BidiShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.util.ByteString;

/**
 * A stage in a client's connection to a Redis: requests come in from the client and go out toward
 * Redis, replies come in from Redis and go out toward the client.
 *
 * <p>Shape: requestsIn → requestsOut; repliesIn → repliesOut.
 */
public abstract class RelayStage extends GraphStage<BidiShape<ByteString, ByteString, ByteString, ByteString>> {
    protected final Inlet<ByteString> requestsIn;
    protected final Outlet<ByteString> requestsOut;
    protected final Inlet<ByteString> repliesIn;
    protected final Outlet<ByteString> repliesOut;
    private final BidiShape<ByteString, ByteString, ByteString, ByteString> shape;

    protected RelayStage(String name) {
        requestsIn = Inlet.create(name + ".requestsIn");
        requestsOut = Outlet.create(name + ".requestsOut");
        repliesIn = Inlet.create(name + ".repliesIn");
        repliesOut = Outlet.create(name + ".repliesOut");
        shape = BidiShape.of(requestsIn, requestsOut, repliesIn, repliesOut);
    }

    @Override
    public final BidiShape<ByteString, ByteString, ByteString, ByteString> shape() {
        return shape;
    }
}
