package io.cloakmesh.admin;

import io.cloakmesh.crypto.IoReasons;
import io.cloakmesh.crypto.KeyFileException;
import io.cloakmesh.crypto.SharedKey;
import io.cloakmesh.crypto.tls.TlsConfig;
import io.cloakmesh.crypto.tls.TlsContext;
import io.cloakmesh.crypto.tls.TlsException;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** Entry point of mesh-admin. Options may come before or after the subcommand. */
@Command(name = "mesh-admin", mixinStandardHelpOptions = true,
        description = {"The operator's CLI for a cloakmesh mesh. Any node's admin API answers for the whole mesh.",
            "Tables for people; --json for scripts. Exit status 1 on any error, with a one-line message."},
        subcommands = {ReadCommands.Status.class, ReadCommands.Members.class, ReadCommands.Services.class,
            ReadCommands.Routes.class, ReadCommands.Connections.class, ReadCommands.Stats.class, ReadCommands.Topology.class,
            NodeCommands.Drain.class, NodeCommands.Undrain.class, NodeCommands.Reload.class, FilterCommand.class, KeygenCommand.class,
            PkiCommands.class})
public final class Main implements Runnable {
    @Option(names = "--url", scope = ScopeType.INHERIT, paramLabel = "URL",
            description = "A node's admin API (default: $MESH_ADMIN_URL or http://127.0.0.1:7700).")
    String url;

    @Option(names = "--token-file", scope = ScopeType.INHERIT, paramLabel = "FILE",
            description = "File holding the admin bearer token (default: $MESH_ADMIN_TOKEN_FILE).")
    Path tokenFile;

    @Option(names = "--json", scope = ScopeType.INHERIT, description = "Print the API's JSON instead of tables.")
    boolean json;

    @Option(names = "--cacert", scope = ScopeType.INHERIT, paramLabel = "FILE",
            description = "For an https:// URL: the CA that signed the node's certificate (default: $MESH_ADMIN_CACERT).")
    Path caCert;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setParameterExceptionHandler((ex, a) -> {
            System.err.println("mesh-admin: " + ex.getMessage());
            ex.getCommandLine().usage(System.err);
            return 1;
        });
        return cli.execute(args);
    }

    @Override
    public void run() {
        CommandLine.usage(this, System.err);
    }

    /** For https://, an SSL context trusting the --cacert CA only (the JDK's CAs without it). */
    private Optional<SSLContext> https(URI uri) throws AdminException {
        Path ca = caCert;
        if (ca == null && System.getenv("MESH_ADMIN_CACERT") != null) {
            ca = Path.of(System.getenv("MESH_ADMIN_CACERT"));
        }
        if (!"https".equalsIgnoreCase(uri.getScheme()) || ca == null) {
            return Optional.empty();
        }
        // A client-only TLS context of the same kind the nodes use, trusting that CA alone.
        TlsConfig trustOnly = new TlsConfig(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.of(ca), Optional.empty(), List.of("TLSv1.2", "TLSv1.3"),
                List.of(), List.of(), false, TlsConfig.ClientAuth.NO, true, 100, Duration.ofMinutes(5));
        try {
            return Optional.of(TlsContext.load(trustOnly).clientContext());
        } catch (TlsException e) {
            throw new AdminException("--cacert " + ca + ": " + e.getMessage());
        }
    }

    AdminClient client() throws AdminException {
        String base = url != null ? url : System.getenv().getOrDefault("MESH_ADMIN_URL", "http://127.0.0.1:7700");
        URI uri;
        try {
            uri = URI.create(base.endsWith("/") ? base : base + "/");
        } catch (IllegalArgumentException e) {
            throw new AdminException("--url " + base + " is not a URL: " + e.getMessage());
        }
        if (uri.getScheme() == null || uri.getHost() == null) {
            throw new AdminException("--url " + base + " is not an http:// or https:// URL");
        }
        Path file = tokenFile;
        if (file == null && System.getenv("MESH_ADMIN_TOKEN_FILE") != null) {
            file = Path.of(System.getenv("MESH_ADMIN_TOKEN_FILE"));
        }
        if (file == null) {
            throw new AdminException("no token: pass --token-file FILE (or set MESH_ADMIN_TOKEN_FILE)");
        }
        try {
            // The token drains and reloads any node: refused where other users could read it, as nodes do.
            SharedKey.checkNotReadableByOthers(file);
            return new AdminClient(uri, Files.readString(file).trim(), https(uri));
        } catch (KeyFileException e) {
            throw new AdminException("token file: " + e.getMessage());
        } catch (IOException e) {
            throw new AdminException("cannot read the token file " + file + ": " + IoReasons.describe(e));
        }
    }
}
