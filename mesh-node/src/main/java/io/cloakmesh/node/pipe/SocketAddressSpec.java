package io.cloakmesh.node.pipe;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * An address as spiped writes it: {@code [1.2.3.4]:port}, {@code [v6::addr]:port} or {@code host:port}
 * (the port after the last colon). Unix socket paths are refused: Pekko's TCP streams cannot open them.
 */
public record SocketAddressSpec(String text, String host, int port, boolean literal) {

    /** The address text was malformed; the message uses spiped's wording. */
    public static final class InvalidAddress extends Exception {
        InvalidAddress(String message) {
            super(message);
        }
    }

    /**
     * Parses {@code text}. With {@code portRequired} false (spiped's {@code -b}) a bare host is allowed and
     * means "any port".
     */
    public static SocketAddressSpec parse(String text, boolean portRequired) throws InvalidAddress {
        if (text.isEmpty() || text.startsWith(":")) {
            throw new InvalidAddress("Error resolving socket address: " + text);
        }
        if (text.startsWith("/")) {
            throw new InvalidAddress("Unix socket addresses are not supported by mesh-node pipe: " + text
                    + " (use [127.0.0.1]:port)");
        }
        if (text.startsWith("[")) {
            int close = text.indexOf(']');
            if (close < 0 || close + 1 >= text.length() || text.charAt(close + 1) != ':') {
                if (close > 0 && close + 1 == text.length() && !portRequired) {
                    return new SocketAddressSpec(text, text.substring(1, close), 0, true);
                }
                throw new InvalidAddress(close < 0 ? "Error resolving socket address: " + text
                        : "Address must contain port number: " + text);
            }
            return new SocketAddressSpec(text, text.substring(1, close), port(text.substring(close + 2), text), true);
        }
        int colon = text.lastIndexOf(':');
        if (colon < 0) {
            if (portRequired) {
                throw new InvalidAddress("Address must contain port number: " + text);
            }
            return new SocketAddressSpec(text, text, 0, false);
        }
        return new SocketAddressSpec(text, text.substring(0, colon), port(text.substring(colon + 1), text), false);
    }

    private static int port(String digits, String text) throws InvalidAddress {
        if (digits.isEmpty() || !digits.chars().allMatch(Character::isDigit) || digits.length() > 5) {
            throw new InvalidAddress("Invalid port number: " + digits + " in " + text);
        }
        int port = Integer.parseInt(digits);
        if (port > 65535) {
            throw new InvalidAddress("Invalid port number: " + digits);
        }
        return port;
    }

    /** Resolves to every address of the host, in the resolver's order. */
    public List<InetSocketAddress> resolve() throws InvalidAddress {
        try {
            List<InetSocketAddress> out = new ArrayList<>();
            for (InetAddress a : InetAddress.getAllByName(host)) {
                out.add(new InetSocketAddress(a, port));
            }
            return out;
        } catch (UnknownHostException e) {
            throw new InvalidAddress("Error resolving socket address: " + text);
        }
    }

    @Override
    public String toString() {
        return text;
    }
}
