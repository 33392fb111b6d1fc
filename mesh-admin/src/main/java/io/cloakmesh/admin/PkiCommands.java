package io.cloakmesh.admin;

import io.cloakmesh.crypto.IoReasons;
import io.cloakmesh.crypto.pki.CertificateAuthority;
import io.cloakmesh.crypto.pki.CertificateDescription;
import io.cloakmesh.crypto.pki.PemOutput;
import io.cloakmesh.crypto.tls.PemFiles;
import io.cloakmesh.crypto.tls.TlsException;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code mesh-admin pki init|issue|show}: the mesh's certificate authority and node certificates. */
@Command(name = "pki", description = "The mesh CA and node certificates for cluster TLS (docs/security.md).",
        subcommands = {PkiCommands.Init.class, PkiCommands.Issue.class, PkiCommands.Show.class})
final class PkiCommands implements Runnable {
    private static final String NAME = "[A-Za-z0-9][A-Za-z0-9_-]{0,62}";

    @Override
    public void run() {
        picocli.CommandLine.usage(this, System.err);
    }

    /** A failure the command reports in one line with exit status 1. */
    private static final class PkiException extends Exception {
        private static final long serialVersionUID = 1L;

        PkiException(String message) {
            super(message);
        }
    }

    private abstract static class PkiCommand implements Callable<Integer> {
        abstract void execute() throws PkiException, IOException, TlsException;

        @Override
        public final Integer call() {
            try {
                execute();
                return 0;
            } catch (FileAlreadyExistsException e) {
                System.err.println("mesh-admin: " + e.getFile() + " already exists; not overwriting it");
            } catch (IOException e) {
                System.err.println("mesh-admin: " + IoReasons.describe(e)
                        + (e instanceof java.nio.file.FileSystemException fs ? ": " + fs.getFile() : ""));
            } catch (TlsException | PkiException | IllegalArgumentException e) {
                System.err.println("mesh-admin: " + e.getMessage());
            }
            return 1;
        }
    }

    /** Reads a password from a file (never from the command line, where ps would show it). */
    static Optional<String> password(Path file) throws IOException, PkiException {
        if (file == null) {
            return Optional.empty();
        }
        String pass = Files.readString(file).strip();
        if (pass.length() < 8) {
            throw new PkiException(file + ": a key password needs at least 8 characters");
        }
        return Optional.of(pass);
    }

    static void checkDays(int days) throws PkiException {
        if (days < 1) {
            throw new PkiException("--days must be 1 or more");
        }
    }

    /** Writes the key (0600) and then its certificate into {@code dir} as NAME.key and NAME.crt, and says so. */
    static void writePair(Path dir, String name, PrivateKey key, X509Certificate certificate, Optional<String> password,
            int days) throws IOException {
        Files.createDirectories(dir);
        PemOutput.writePrivateKey(dir.resolve(name + ".key"), key, password);
        PemOutput.writeCertificate(dir.resolve(name + ".crt"), certificate);
        System.out.println("wrote " + dir.resolve(name + ".crt") + " and " + dir.resolve(name + ".key")
                + " (mode 0600), valid " + days + " days");
    }

    @Command(name = "init", description = {"Create the mesh CA: DIR/ca.crt (give it to every node as ca-cert-file)",
        "and DIR/ca.key (mode 0600; keep it off the nodes). Never overwrites."})
    static final class Init extends PkiCommand {
        @Option(names = "--dir", paramLabel = "DIR", defaultValue = ".", description = "Where to write ca.crt and ca.key.")
        Path dir;

        @Option(names = "--name", paramLabel = "NAME", defaultValue = "cloakmesh CA", description = "The CA's common name.")
        String name;

        @Option(names = "--days", paramLabel = "N", defaultValue = "3650", description = "Validity in days (default 3650).")
        int days;

        @Option(names = "--key-pass-file", paramLabel = "FILE", description = "Encrypt ca.key with the password in FILE.")
        Path keyPassFile;

        @Override
        void execute() throws PkiException, IOException {
            checkDays(days);
            Optional<String> pass = password(keyPassFile);
            CertificateAuthority ca = CertificateAuthority.create(name, Duration.ofDays(days));
            writePair(dir, "ca", ca.key(), ca.certificate(), pass, days);
        }
    }

    @Command(name = "issue", description = {"Issue a node certificate: OUT/NAME.crt and OUT/NAME.key (mode 0600).",
        "NAME must be the node's cloakmesh.node.name; list every host and address other nodes dial it at."})
    static final class Issue extends PkiCommand {
        @Parameters(paramLabel = "NAME", description = "The node's name (cloakmesh.node.name).")
        String node;

        @Option(names = "--ca-dir", paramLabel = "DIR", defaultValue = ".", description = "Where ca.crt and ca.key are.")
        Path caDir;

        @Option(names = "--ca-key-pass-file", paramLabel = "FILE", description = "Password of an encrypted ca.key.")
        Path caKeyPassFile;

        @Option(names = "--dns", paramLabel = "HOST", description = "A DNS name the node is reached at (repeatable).")
        List<String> dns = new ArrayList<>();

        @Option(names = "--ip", paramLabel = "ADDRESS", description = "An IP address the node is reached at (repeatable).")
        List<String> ips = new ArrayList<>();

        @Option(names = "--days", paramLabel = "N", defaultValue = "365", description = "Validity in days (default 365).")
        int days;

        @Option(names = "--out", paramLabel = "DIR", defaultValue = ".", description = "Where to write the files.")
        Path out;

        @Option(names = "--key-pass-file", paramLabel = "FILE", description = "Encrypt the key with the password in FILE.")
        Path keyPassFile;

        @Override
        void execute() throws PkiException, IOException, TlsException {
            if (!node.matches(NAME)) {
                throw new PkiException("\"" + node + "\" is not a node name (letters, digits, '_' and '-')");
            }
            checkDays(days);
            if (dns.isEmpty() && ips.isEmpty()) {
                throw new PkiException("give at least one --dns or --ip: the names other nodes dial this node at");
            }
            CertificateAuthority ca = CertificateAuthority.load(caDir.resolve("ca.crt"), caDir.resolve("ca.key"),
                    password(caKeyPassFile));
            Optional<String> pass = password(keyPassFile);
            Instant now = Instant.now();
            CertificateAuthority.Issued issued = ca.issue(new CertificateAuthority.NodeRequest(node, dns, ips,
                    now.minus(Duration.ofMinutes(5)), now.plus(Duration.ofDays(days))));
            writePair(out, node, issued.key(), issued.certificate(), pass, days);
        }
    }

    @Command(name = "show", description = "Print what a PEM certificate file says: node, names, usage, validity.")
    static final class Show extends PkiCommand {
        @Parameters(paramLabel = "FILE", description = "A PEM certificate file (every certificate in it is shown).")
        Path file;

        @Override
        void execute() throws TlsException {
            List<X509Certificate> certs = PemFiles.certificates("FILE", file);
            for (int i = 0; i < certs.size(); i++) {
                if (i > 0) {
                    System.out.println();
                }
                CertificateDescription.lines(certs.get(i), Clock.systemUTC()).forEach(System.out::println);
            }
        }
    }
}
