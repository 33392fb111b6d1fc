package io.cloakmesh.node.link;

import io.cloakmesh.protocol.link.ExitGate;
import io.cloakmesh.protocol.link.OpenReply;
import io.cloakmesh.protocol.link.OpenRequest;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.SharedKillSwitch;
import org.apache.pekko.stream.javadsl.BidiFlow;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.util.ByteString;

/**
 * How a link on an exit node is assembled, in this one place (as Netty's
 * {@code HexDumpProxyInitializer} assembles a pipeline):
 * <pre>
 * link ⇄ kill switches ⇄ Pipe.server ⇄ ExitGate ⇄ the kind's exit stages ⇄ counters ⇄ target connection
 * </pre>
 * The part from the kind's stages on exists once the gate's open request was answered OK
 * ({@link LinkListener} decides, {@link ServiceExport} connects the target). A new stage for every link
 * of a kind (a filter) comes from that kind's {@link ServiceExport#stages}; one for every link (TLS)
 * goes in here.
 */
final class ExitStack {
    private ExitStack() {
    }

    /**
     * One accepted link, whole.
     *
     * @param secured the link's security stage (the pipe, or TLS), for this link
     * @param decide answers the open request; completes {@code target} first when it answers OK
     * @param target the link's far side once open (a flow that ignores everything when refused)
     */
    static Flow<ByteString, ByteString, CompletionStage<Done>> link(
            BidiFlow<ByteString, ByteString, ByteString, ByteString, CompletionStage<Done>> secured,
            Function<OpenRequest, CompletionStage<OpenReply>> decide, CompletionStage<Flow<ByteString, ByteString, NotUsed>> target,
            SharedKillSwitch node, SharedKillSwitch link) {
        return Flow.of(ByteString.class)
                .via(node.flow())
                .via(link.flow())
                .viaMat(secured.reversed()
                        .atop(ExitGate.create(decide))
                        .join(Flow.completionStageFlow(target)), (a, b) -> b);
    }

    /** The far side of an open link: the kind's stages, counted, to the target connection. */
    static Flow<ByteString, ByteString, NotUsed> target(ServiceExport export, Detached<?> connection, LiveConnections.Live view) {
        return export.stages().join(export.counters.counting(connection.handle(), view));
    }
}
