package io.cloakmesh.node.pipe;

import io.cloakmesh.crypto.pipe.HandshakeMode;
import io.cloakmesh.crypto.pipe.Role;
import io.cloakmesh.node.transport.TransportKind;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code mesh-node pipe}: spiped's command line, option for option. Parsing follows libcperciva's
 * getopt (packed flags, attached arguments, a repeated option is an error), and so do the defaults.
 */
@Command(name = "pipe",
        description = {
            "A drop-in for spiped: an encrypted pipe that speaks spiped's wire protocol, so either end of",
            "an existing spiped pair can be replaced. Options and defaults are spiped's.", "",
            "Not supported: Unix socket addresses, --syslog (run with -F under a supervisor that",
            "collects stderr) and -u (start the process as the wanted user instead)."},
        customSynopsis = {
            "usage: mesh-node pipe {-e | -d} -s <source socket> -t <target socket> -k <key file>",
            "    [-b <bind address>] [-DFj] [-f | -g] [-n <max # connections>] [--max-handshakes <n>]",
            "    [-o <connection timeout>] [-p <pidfile>] [-r <rtime> | -R]",
            "       mesh-node pipe -v"})
public final class PipeCommand implements Callable<Integer> {
    @Option(names = "-e", description = "Encrypt: plaintext in on -s, encrypted out to -t (protocol client).")
    boolean encrypt;
    @Option(names = "-d", description = "Decrypt: encrypted in on -s, plaintext out to -t (protocol server).")
    boolean decrypt;
    @Option(names = "-s", paramLabel = "<source socket>", description = "Address to listen on.")
    String source;
    @Option(names = "-t", paramLabel = "<target socket>", description = "Address to connect to.")
    String target;
    @Option(names = "-k", paramLabel = "<key file>", description = "Key file; - reads the key from standard input.")
    String keyFile;
    @Option(names = "-b", paramLabel = "<bind address>", description = "Local address for outgoing connections.")
    String bindAddress;
    @Option(names = "-D", description = "Wait for DNS: detach first, then retry failed resolutions every second.")
    boolean waitForDns;
    @Option(names = "-F", description = "Stay in the foreground; no pidfile.")
    boolean foreground;
    @Option(names = "-f", description = "Weak handshake: no Diffie-Hellman, no perfect forward secrecy.")
    boolean weak;
    @Option(names = "-g", description = "Require perfect forward secrecy: drop a peer using -f.")
    boolean requirePfs;
    @Option(names = "-j", description = "Do not set SO_KEEPALIVE on the sockets.")
    boolean noKeepAlive;
    @Option(names = "-n", paramLabel = "<max # connections>", description = "Connection limit (default 100; 0 = none).")
    String maxConnections;
    @Option(names = "--max-handshakes", paramLabel = "<n>", description = "With -d: connections still in their "
            + "handshake kept at once; one more closes the oldest (default 100). They never count toward -n, so "
            + "silent strangers cannot hold the connections of peers that have the key.")
    String maxHandshakes;
    @Option(names = "-o", paramLabel = "<connection timeout>", description = "Seconds for the target connect and the handshake (default 5).")
    String timeout;
    @Option(names = "-p", paramLabel = "<pidfile>", description = "Pidfile (default <source socket>.pid).")
    String pidfile;
    @Option(names = "-r", paramLabel = "<rtime>", description = "Re-resolve the target every rtime seconds (default 60).")
    String resolveSeconds;
    @Option(names = "-R", description = "Never re-resolve the target.")
    boolean noResolve;
    @Option(names = "--transport", paramLabel = "<netty|pekko-io>", description = "How sockets are served "
            + "(not in spiped; default netty): Netty event loops, or Pekko IO.")
    String transport;
    @Option(names = "--syslog", description = "Not supported; refused.")
    boolean syslog;
    @Option(names = "-u", paramLabel = "<user>", description = "Not supported; refused.")
    String user;
    @Option(names = "-v", description = "Print the version and exit.")
    boolean version;
    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help.")
    boolean help;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (version) {
            System.out.println("mesh-node pipe " + PipeCommand.class.getPackage().getImplementationVersion()
                    + " (spiped 1.6 protocol)");
            return 0;
        }
        PipeOptions options;
        try {
            options = validate();
        } catch (UsageException e) {
            return usageError(e.getMessage());
        }
        return PipeProcess.run(options, spec.commandLine().getParseResult().originalArgs());
    }

    /** Applies spiped's rules and defaults; every failure is a usage error. */
    PipeOptions validate() throws UsageException {
        if (syslog) {
            throw new UsageException("--syslog is not supported: run with -F under a supervisor that collects stderr");
        }
        if (user != null) {
            throw new UsageException("-u is not supported: the JVM cannot drop privileges; start mesh-node as that user");
        }
        if (encrypt == decrypt) {
            throw new UsageException(encrypt ? "-e and -d cannot be used together" : "one of -e or -d is required");
        }
        if (source == null || target == null || keyFile == null) {
            throw new UsageException("-s, -t and -k are required");
        }
        if (weak && requirePfs) {
            throw new UsageException("-f and -g cannot be used together");
        }
        if (noResolve && resolveSeconds != null) {
            throw new UsageException("-r and -R cannot be used together");
        }
        try {
            SocketAddressSpec src = SocketAddressSpec.parse(source, true);
            SocketAddressSpec dst = SocketAddressSpec.parse(target, true);
            Optional<SocketAddressSpec> bind = Optional.ofNullable(bindAddress == null ? null : SocketAddressSpec.parse(bindAddress, false));
            int max = maxConnections == null ? PipeOptions.DEFAULT_MAX_CONNECTIONS : nonNegativeInt("-n", maxConnections);
            int handshakes = maxHandshakes == null ? PipeOptions.DEFAULT_MAX_HANDSHAKES
                    : nonNegativeInt("--max-handshakes", maxHandshakes);
            if (handshakes == 0) {
                throw new UsageException("Error parsing argument: --max-handshakes 0: must be 1 or more");
            }
            Duration t = seconds("-o", timeout, PipeOptions.DEFAULT_TIMEOUT);
            Optional<TransportKind> kind = Optional.empty();
            if (transport != null) {
                kind = Optional.of(TransportKind.parse(transport).orElseThrow(() -> new UsageException(
                        "Error parsing argument: --transport " + transport + ": must be netty or pekko-io")));
            }
            Optional<Duration> rtime = noResolve ? Optional.empty()
                    : Optional.of(seconds("-r", resolveSeconds, PipeOptions.DEFAULT_RESOLVE_INTERVAL));
            return new PipeOptions(
                    encrypt ? Role.CLIENT : Role.SERVER, src, dst,
                    keyFile.equals("-") ? Optional.empty() : Optional.of(Path.of(keyFile)),
                    bind, waitForDns, foreground,
                    weak ? HandshakeMode.WEAK : requirePfs ? HandshakeMode.REQUIRE_PFS : HandshakeMode.PFS,
                    !noKeepAlive, max, handshakes, t,
                    Path.of(pidfile != null ? pidfile : source + ".pid"), rtime, kind);
        } catch (SocketAddressSpec.InvalidAddress e) {
            throw new UsageException(e.getMessage());
        }
    }

    private static int nonNegativeInt(String option, String value) throws UsageException {
        try {
            int n = Integer.parseInt(value);
            if (n < 0) {
                throw new UsageException("Error parsing argument: " + option + " " + value + ": Numerical result out of range");
            }
            return n;
        } catch (NumberFormatException e) {
            throw new UsageException("Error parsing argument: " + option + " " + value + ": Invalid argument");
        }
    }

    /** Fractional seconds; 0 means the default, as in spiped. */
    private static Duration seconds(String option, String value, Duration fallback) throws UsageException {
        if (value == null) {
            return fallback;
        }
        double s;
        try {
            s = Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new UsageException("Error parsing argument: " + option + " " + value + ": Invalid argument");
        }
        if (s < 0 || Double.isNaN(s) || Double.isInfinite(s) || s > 1e9) {
            throw new UsageException("Error parsing argument: " + option + " " + value + ": Numerical result out of range");
        }
        return s == 0 ? fallback : Duration.ofNanos((long) (s * 1e9));
    }

    /** Prints the message and the synopsis to stderr, as spiped does, and returns exit status 1. */
    public static int usageError(String message) {
        System.err.println("mesh-node pipe: " + message);
        System.err.print(new CommandLine(new PipeCommand()).getHelp().synopsis(0));
        return 1;
    }
}
