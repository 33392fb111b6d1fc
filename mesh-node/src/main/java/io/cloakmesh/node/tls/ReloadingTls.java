package io.cloakmesh.node.tls;

import io.cloakmesh.crypto.tls.TlsConfig;
import io.cloakmesh.crypto.tls.TlsContext;
import io.cloakmesh.crypto.tls.TlsException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link TlsContext} that follows its files: at most every few seconds, when asked for, it checks the
 * certificate, key and CA files and loads them again when one changed, so certificates and the CA are
 * rotated without a restart. New material that does not load is logged and the old kept; connections
 * already open keep the session they have.
 */
public final class ReloadingTls {
    private static final Logger LOG = LoggerFactory.getLogger(ReloadingTls.class);
    private static final Duration CHECK_EVERY = Duration.ofSeconds(2);

    private final String what;
    private final TlsConfig config;
    private volatile TlsContext current;
    private volatile List<String> stamps;
    private volatile long nextCheck;

    private ReloadingTls(String what, TlsConfig config, TlsContext current, List<String> stamps) {
        this.what = what;
        this.config = config;
        this.current = current;
        this.stamps = stamps;
        this.nextCheck = System.nanoTime() + CHECK_EVERY.toNanos();
    }

    /** Loads the material now; {@code what} names it in log lines (its settings' path). */
    public static ReloadingTls load(String what, TlsConfig config) throws TlsException {
        List<String> stamps = stamps(config);
        return new ReloadingTls(what, config, TlsContext.load(config), stamps);
    }

    /** The newest material that loaded. */
    public TlsContext current() {
        if (System.nanoTime() - nextCheck >= 0) {
            checkFiles();
        }
        return current;
    }

    private synchronized void checkFiles() {
        if (System.nanoTime() - nextCheck < 0) {
            return;
        }
        nextCheck = System.nanoTime() + CHECK_EVERY.toNanos();
        List<String> now = stamps(config);
        if (now.equals(stamps)) {
            return;
        }
        stamps = now;
        try {
            current = TlsContext.load(config);
            LOG.info("{}: certificate, key or CA files changed; new connections use them", what);
        } catch (TlsException e) {
            LOG.warn("{}: changed files do not load ({}: {}); keeping the previous material", what, e.setting(),
                    e.getMessage());
        }
    }

    /** Modification time and size of every file the material comes from, and of a CA directory's entries. */
    private static List<String> stamps(TlsConfig config) {
        List<String> stamps = new ArrayList<>();
        for (Path path : config.files()) {
            stamp(path, stamps);
            if (Files.isDirectory(path)) {
                try (Stream<Path> entries = Files.list(path)) {
                    entries.sorted().forEach(entry -> stamp(entry, stamps));
                } catch (IOException e) {
                    stamps.add(path + " unlistable");
                }
            }
        }
        return stamps;
    }

    private static void stamp(Path path, List<String> stamps) {
        try {
            stamps.add(path + " " + Files.getLastModifiedTime(path).toMillis() + " " + Files.size(path));
        } catch (IOException e) {
            stamps.add(path + " missing");
        }
    }
}
