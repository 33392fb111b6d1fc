package io.cloakmesh.node.net;

import com.sun.management.UnixOperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Whether this process has file descriptors to spare for one more accepted connection. Every listener
 * stops accepting while fewer than {@link #RESERVE} are left and tries again after a pause, so a flood
 * on one port leaves the others (and the connections they dial) descriptors to work with, and accept()
 * does not fail with EMFILE — which Pekko's listener would retry at once, in a tight loop.
 */
public final class DescriptorHeadroom {
    /** Kept free for accepts already under way, the connections the node dials, jars and logs. */
    static final long RESERVE = 64;
    /** Counting open descriptors lists /proc/self/fd; under a flood of accepts, once per 2 ms is enough. */
    private static final long RECHECK_NANOS = 2_000_000;
    private static final OperatingSystemMXBean OS = ManagementFactory.getOperatingSystemMXBean();
    private static final AtomicLong nextCheck = new AtomicLong(System.nanoTime());
    private static volatile boolean low;

    private DescriptorHeadroom() {
    }

    /** True when fewer than {@link #RESERVE} descriptors are left (never on systems that cannot tell). */
    public static boolean low() {
        long now = System.nanoTime();
        long due = nextCheck.get();
        if (now - due >= 0 && nextCheck.compareAndSet(due, now + RECHECK_NANOS)) {
            low = OS instanceof UnixOperatingSystemMXBean unix
                    && unix.getOpenFileDescriptorCount() + RESERVE >= unix.getMaxFileDescriptorCount();
        }
        return low;
    }

    /** "N of M file descriptors open", for log lines. */
    public static String describe() {
        return OS instanceof UnixOperatingSystemMXBean unix
                ? unix.getOpenFileDescriptorCount() + " of " + unix.getMaxFileDescriptorCount() + " file descriptors open"
                : "file descriptors unknown";
    }
}
