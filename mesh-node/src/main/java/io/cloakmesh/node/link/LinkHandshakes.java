package io.cloakmesh.node.link;

import io.cloakmesh.node.routing.CborSerializable;
import java.util.concurrent.atomic.LongAdder;
import javax.net.ssl.SSLSession;

/**
 * How this node's TLS link handshakes went, for the metrics: full (certificates exchanged and signatures
 * made and checked) or resumed from a session ticket, which costs about a third of the CPU.
 */
public final class LinkHandshakes {
    private final LongAdder entryFull = new LongAdder();
    private final LongAdder entryResumed = new LongAdder();
    private final LongAdder exitFull = new LongAdder();
    private final LongAdder exitResumed = new LongAdder();

    /** The counts at one moment, by the side of the link this node was on. */
    public record Snapshot(long entryFull, long entryResumed, long exitFull, long exitResumed) implements CborSerializable {
    }

    /**
     * Counts a link's verified session; {@code startedMillis} is when its engine was made. JSSE gives a
     * resumed session the creation time of the one it resumes, older than the engine.
     */
    void count(boolean entry, SSLSession session, long startedMillis) {
        boolean resumed = session.getCreationTime() < startedMillis;
        (entry ? resumed ? entryResumed : entryFull : resumed ? exitResumed : exitFull).increment();
    }

    public Snapshot snapshot() {
        return new Snapshot(entryFull.sum(), entryResumed.sum(), exitFull.sum(), exitResumed.sum());
    }
}
