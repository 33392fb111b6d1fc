package io.cloakmesh.protocol.resp;

import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.Shape;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.TimerGraphStageLogic;

/**
 * The logic of a stage that sits in a RESP connection (one direction's bytes in, the same direction's
 * bytes out): demand on an outlet is demand on its inlet, and a cancelled outlet cancels its inlet.
 */
public abstract class RelayLogic extends TimerGraphStageLogic {
    protected RelayLogic(Shape shape) {
        super(shape);
    }

    /** {@code out} pulls {@code in} when pulled, and cancels it when cancelled. */
    protected final <T> void relayDemand(Outlet<T> out, Inlet<?> in) {
        setHandler(out, new AbstractOutHandler() {
            @Override
            public void onPull() {
                pull(in);
            }

            @Override
            public void onDownstreamFinish(Throwable cause) {
                cancel(in, cause);
            }
        });
    }
}
