package io.cloakmesh.protocol.rediscluster;

import io.cloakmesh.protocol.resp.ReplyPairing;
import io.cloakmesh.protocol.resp.RequestHead;
import io.cloakmesh.protocol.resp.RespLimits;
import io.cloakmesh.protocol.resp.RespProtocolException;
import io.cloakmesh.protocol.resp.RespScanner;
import io.cloakmesh.protocol.resp.RespValue;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.apache.pekko.util.ByteString;
import org.apache.pekko.util.ByteStringBuilder;

/**
 * Which client requests to a Redis Cluster node go on as they are: a command that names node addresses
 * (MIGRATE, REPLICAOF, CLUSTER MEET, CLIENT KILL by address), one whose reply shows the node's address
 * where it is not rewritten (CLIENT LIST and INFO, CONFIG GET of an address parameter, MONITOR, SLOWLOG
 * GET, ACL LOG), a script or function unless the export allows them, or a topology command whose reply
 * could not be rewritten (inside MULTI, in RESP2 subscribe mode), is replaced by one Redis refuses, so
 * the client gets an error in order; {@link #refusal} rewords that error. Every request is passed to
 * {@link ReplyPairing}. Pure: bytes in, bytes out.
 */
final class RequestVetting {
    /** A request is held until this much of it (or all of it) is known, to read its head. */
    private static final int HEAD_BYTES = 256;
    /** Sent in place of a refused command: Redis answers an unknown command with an error, in order. */
    private static final String REFUSED_NAME = "CLOAKMESH-REFUSED";
    private static final ByteString REFUSED_COMMAND =
            ByteString.fromString("*1\r\n$" + REFUSED_NAME.length() + "\r\n" + REFUSED_NAME + "\r\n");

    /** Commands whose first argument is a subcommand, named with it in a refusal. */
    private static final Set<String> CONTAINERS = Set.of("CLUSTER", "CLIENT", "CONFIG", "SLOWLOG", "ACL");

    private final RespScanner scanner;
    private final ReplyPairing pairing;
    /** Read for each script request: the export's allow-scripts, which a reload may change. */
    private final BooleanSupplier scriptsAllowed;
    /** The start of the request being read, until its head is known; then whether it is refused. */
    private ByteStringBuilder pendingHead = new ByteStringBuilder();
    private boolean headKnown;
    private boolean refusing;
    /** Why each refused command was refused, in order, for the errors still to come back. */
    private final ArrayDeque<String> refused = new ArrayDeque<>();

    RequestVetting(RespLimits limits, ReplyPairing pairing, BooleanSupplier scriptsAllowed) {
        this.scanner = new RespScanner(limits, RespScanner.Direction.REQUESTS);
        this.pairing = pairing;
        this.scriptsAllowed = scriptsAllowed;
    }

    /** The bytes to send upstream for {@code chunk} of the client's requests. */
    ByteString read(ByteString chunk) throws RespProtocolException {
        ByteBuffer bytes = chunk.asByteBuffer();
        ByteStringBuilder forward = new ByteStringBuilder();
        while (bytes.hasRemaining()) {
            int start = bytes.position();
            boolean ended = scanner.advance(bytes);
            ByteString piece = chunk.slice(start, bytes.position());
            if (headKnown) {
                if (!refusing) {
                    forward.append(piece);
                }
            } else {
                pendingHead.append(piece);
                if (ended || pendingHead.length() >= HEAD_BYTES) {
                    forward.append(decide(pendingHead.result()));
                    pendingHead = new ByteStringBuilder();
                    headKnown = true;
                }
            }
            if (ended) {
                headKnown = false;
                refusing = false;
            }
        }
        return forward.result();
    }

    /** What is left of a request the client cut off by half-closing: it still goes on, as without the mesh. */
    ByteString unfinished() {
        return pendingHead.result();
    }

    /** The error the client gets in place of {@code error}, if it answers a refused command. */
    Optional<RespValue.Error> refusal(RespValue.Error error) {
        if (!error.text().toUpperCase(Locale.ROOT).contains("'" + REFUSED_NAME + "'")) {
            return Optional.empty();
        }
        return Optional.of(new RespValue.Error("ERR cloakmesh refuses " + Objects.requireNonNullElse(refused.poll(),
                "that command")));
    }

    private ByteString decide(ByteString head) throws RespProtocolException {
        RequestHead request = RequestHead.parse(head.asByteBuffer()).orElse(new RequestHead(List.of()));
        // The subcommand only for container commands: MIGRATE's first argument is an address.
        String command = CONTAINERS.contains(request.name()) ? request.name() + " " + request.arg(1) : request.name();
        String why = request.namesAddresses()
                ? command + ": it names node addresses, and a client of the mesh knows only mesh endpoints; "
                        + "run it against the cluster itself"
                : request.revealsAddresses()
                ? command + ": its reply would show the node's real address, which the mesh does not rewrite there; "
                        + "run it against the cluster itself"
                : request.runsScript() && !scriptsAllowed.getAsBoolean()
                ? command + ": a script's reply can carry node addresses the mesh cannot rewrite; the export "
                        + "allows scripts with allow-scripts = true"
                : ReplyPairing.carriesAddresses(request) && (pairing.inTransaction() || !pairing.tracked())
                        ? command + " inside MULTI and in subscribe mode: its reply would carry "
                                + "the cluster's real addresses"
                        : null;
        refusing = why != null;
        if (refusing) {
            refused.add(why);
            pairing.request(new RequestHead(List.of(REFUSED_NAME)));
            return REFUSED_COMMAND;
        }
        pairing.request(request);
        return head;
    }
}
