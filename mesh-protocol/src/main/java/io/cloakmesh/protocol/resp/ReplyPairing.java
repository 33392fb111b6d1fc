package io.cloakmesh.protocol.resp;

import java.util.ArrayDeque;
import java.util.Set;

/**
 * Which request each reply on one connection answers, so that only the replies that carry node
 * addresses are parsed: Redis answers in order, one reply per request, except where the protocol says
 * otherwise — RESP3 pushes are out of band, CLIENT REPLY OFF/SKIP silences replies, a RESP3 subscribe
 * is answered by pushes only, HELLO switches the protocol. MONITOR and RESP2 subscribe mode turn a
 * connection into a stream of unrequested replies: the pairing is then {@link #tracked() lost} until a
 * RESET is answered, and the caller must not trust it (MOVED/ASK errors are recognised without it).
 * Inside MULTI, commands are answered +QUEUED and their replies come as EXEC's array, which is not
 * looked into: a topology command inside a transaction is the caller's to refuse.
 */
public final class ReplyPairing {

    /** What a reply is, as far as a stage needs to know: whether it carries addresses, or changes state. */
    public enum Kind {
        PLAIN(false),
        CLUSTER_SLOTS(true),
        CLUSTER_SHARDS(true),
        CLUSTER_NODES(true),
        CLUSTER_REPLICAS(true),
        ROLE(true),
        INFO(true),
        /** The reply to HELLO: its type tells the protocol from now on. */
        HELLO(false),
        /** The reply to SELECT outside a transaction: +OK when the db changed. */
        SELECT(false),
        /** The reply to EXEC: an array when the queued commands ran. */
        EXEC(false);

        private final boolean carriesAddresses;

        Kind(boolean carriesAddresses) {
            this.carriesAddresses = carriesAddresses;
        }

        /** Whether the reply names cluster nodes by address (CLUSTER SLOTS, NODES, ..., ROLE, INFO). */
        public boolean carriesAddresses() {
            return carriesAddresses;
        }
    }

    private static final Set<String> SUBSCRIBE = Set.of("SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE");

    private final int maxOutstanding;
    private final ArrayDeque<Kind> expected = new ArrayDeque<>();
    private boolean resp3;
    /** The protocol the server will speak once it has run every request sent so far (HELLO pipelined). */
    private boolean resp3AfterRequests;
    private boolean repliesOff;
    private boolean skipNext;
    private boolean inTransaction;
    private boolean tracked = true;

    /** @param maxOutstanding requests a client may send ahead of their replies on one connection */
    public ReplyPairing(int maxOutstanding) {
        this.maxOutstanding = maxOutstanding;
    }

    /** A request went upstream; throws {@link RespProtocolException} past {@code maxOutstanding}. */
    public void request(RequestHead head) throws RespProtocolException {
        String name = head.name();
        if (!tracked) {
            return;
        }
        if (name.equals("RESET")) {
            // RESET turns replies back on and is always answered (+RESET, which reply() also reads).
            repliesOff = false;
            skipNext = false;
            inTransaction = false;
            resp3AfterRequests = false;
            expect(Kind.PLAIN);
            return;
        }
        if (name.equals("CLIENT") && head.arg(1).equals("REPLY")) {
            switch (head.arg(2)) {
                case "OFF" -> repliesOff = true;
                case "SKIP" -> skipNext = !repliesOff;
                default -> {
                    repliesOff = false;
                    expect(Kind.PLAIN);
                }
            }
            return;
        }
        if (repliesOff) {
            return;
        }
        if (skipNext) {
            skipNext = false;
            return;
        }
        if (name.equals("HELLO") && (head.arg(1).equals("2") || head.arg(1).equals("3"))) {
            resp3AfterRequests = head.arg(1).equals("3");
        }
        if (name.equals("MONITOR") || (!resp3AfterRequests && SUBSCRIBE.contains(name))) {
            tracked = false;  // from its first reply on, nothing is paired until RESET is answered
            expected.clear();
            return;
        }
        if (resp3AfterRequests && SUBSCRIBE.contains(name)) {
            return;
        }
        if (name.equals("MULTI")) {
            inTransaction = true;
        } else if (name.equals("EXEC") || name.equals("DISCARD")) {
            inTransaction = false;
            expect(name.equals("EXEC") ? Kind.EXEC : Kind.PLAIN);
            return;
        }
        // Inside MULTI a command is answered +QUEUED; its real reply is an element of EXEC's array.
        expect(inTransaction ? Kind.PLAIN : kindOf(head));
    }

    /**
     * A top-level reply arrived, of type {@code type}; {@code simpleText} is its text when it is a simple
     * string ({@code +}), else null. Returns what it answers ({@link Kind#PLAIN} while not tracked).
     */
    public Kind reply(char type, String simpleText) {
        if (type == '>') {
            return Kind.PLAIN;
        }
        if (!tracked) {
            if (type == '+' && "RESET".equals(simpleText)) {
                tracked = true;
                resp3 = false;
                resp3AfterRequests = false;
                repliesOff = false;
                skipNext = false;
                inTransaction = false;
            }
            return Kind.PLAIN;
        }
        Kind kind = expected.isEmpty() ? Kind.PLAIN : expected.poll();
        if (kind == Kind.HELLO) {
            if (type == '%') {
                resp3 = true;
            } else if (type == '*') {
                resp3 = false;
            }
        }
        if (type == '+' && "RESET".equals(simpleText)) {
            resp3 = false;
        }
        return kind;
    }

    /** False while replies cannot be paired with requests (MONITOR, RESP2 subscribe mode). */
    public boolean tracked() {
        return tracked;
    }

    /** True between MULTI and EXEC or DISCARD: replies are +QUEUED, the real ones come in EXEC's array. */
    public boolean inTransaction() {
        return inTransaction;
    }

    /** Whether {@code head} asks for a reply that carries node addresses (CLUSTER SLOTS, NODES, ...). */
    public static boolean carriesAddresses(RequestHead head) {
        return kindOf(head).carriesAddresses();
    }

    public boolean resp3() {
        return resp3;
    }

    private void expect(Kind kind) throws RespProtocolException {
        if (expected.size() >= maxOutstanding) {
            throw new RespProtocolException("more than " + maxOutstanding + " requests sent ahead of their replies");
        }
        expected.add(kind);
    }

    private static Kind kindOf(RequestHead head) {
        if (head.name().equals("HELLO")) {
            return Kind.HELLO;
        }
        if (head.name().equals("ROLE")) {
            return Kind.ROLE;
        }
        if (head.name().equals("INFO")) {
            return Kind.INFO;
        }
        if (head.name().equals("SELECT")) {
            return Kind.SELECT;
        }
        if (!head.name().equals("CLUSTER")) {
            return Kind.PLAIN;
        }
        return switch (head.arg(1)) {
            case "SLOTS" -> Kind.CLUSTER_SLOTS;
            case "SHARDS" -> Kind.CLUSTER_SHARDS;
            case "NODES" -> Kind.CLUSTER_NODES;
            case "REPLICAS", "SLAVES" -> Kind.CLUSTER_REPLICAS;
            default -> Kind.PLAIN;
        };
    }
}
