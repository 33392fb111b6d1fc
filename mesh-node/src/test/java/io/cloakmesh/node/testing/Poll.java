package io.cloakmesh.node.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waits for a condition by polling it until a deadline; never a fixed sleep. */
public final class Poll {
    private Poll() {
    }

    public static void until(Duration timeout, String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what);
            }
        }
    }

    public static boolean accepts(int port) {
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /** Ports this JVM has handed out: a mesh needs distinct ones. */
    private static final java.util.Set<Integer> HANDED_OUT = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * Handed-out ports come from above the kernel's ephemeral range: a port inside it, free when handed out,
     * can become the source port of any outgoing connection before its process binds it (one such race
     * stopped a node with "Address already in use" in a full run).
     */
    private static final int[] RANGE = aboveEphemeralRange();

    private static final java.util.concurrent.atomic.AtomicInteger NEXT =
            new java.util.concurrent.atomic.AtomicInteger((int) (ProcessHandle.current().pid() * 97 % (RANGE[1] - RANGE[0])));

    /** A port free now on 127.0.0.1 that no earlier call returned. */
    public static int freePort() {
        int span = RANGE[1] - RANGE[0];
        for (int tries = 0; tries < span; tries++) {
            int port = RANGE[0] + Math.floorMod(NEXT.getAndIncrement(), span);
            if (HANDED_OUT.add(port) && bindable(port)) {
                return port;
            }
        }
        throw new IllegalStateException("no free port in " + RANGE[0] + "-" + (RANGE[1] - 1));
    }

    private static boolean bindable(int port) {
        try (java.net.ServerSocket s = new java.net.ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /** [first, end) above the ephemeral range of /proc/sys/net/ipv4/ip_local_port_range (Linux's default 32768-60999). */
    private static int[] aboveEphemeralRange() {
        int high = 60999;
        try {
            String[] range = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/sys/net/ipv4/ip_local_port_range"))
                    .trim().split("\\s+");
            high = Integer.parseInt(range[1]);
        } catch (java.io.IOException | RuntimeException e) {
            // not Linux: keep the default
        }
        if (65536 - (high + 1) < 1000) {
            throw new IllegalStateException("the ephemeral port range ends at " + high
                    + ": tests need 1000 ports above it (sysctl net.ipv4.ip_local_port_range)");
        }
        return new int[] {high + 1, 65536};
    }
}
