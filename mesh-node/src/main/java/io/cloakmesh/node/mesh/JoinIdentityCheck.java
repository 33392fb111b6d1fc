package io.cloakmesh.node.mesh;

import com.typesafe.config.Config;
import io.cloakmesh.node.tls.ClusterTlsProvider;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.cluster.ConfigValidation;
import org.apache.pekko.cluster.Invalid;
import org.apache.pekko.cluster.JoinConfigCompatChecker;
import org.apache.pekko.cluster.Valid$;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Pekko's join-time configuration check, used to vet who joins: the seed a node asks to join runs it
 * with the joining node's name and address and answers "incompatible" — after which the joining node
 * shuts down, with exit status 1 — when another member has that name, or, with cluster TLS, when the
 * certificate served at the joining node's address does not name it (the seed dials it to see).
 * Pekko creates checkers with no arguments, so the names in use and the TLS material come from this
 * JVM's one node ({@link NodeRoster}, {@link MeshNode}).
 */
public final class JoinIdentityCheck extends JoinConfigCompatChecker {
    static final String NAME_KEY = "cloakmesh.node.name";
    static final String HOST_KEY = "pekko.remote.artery.canonical.hostname";
    static final String PORT_KEY = "pekko.remote.artery.canonical.port";

    /** Node name → "host:port" of the member that has it; written by this JVM's roster. */
    private static volatile Map<String, String> namesInUse = Map.of();

    private static volatile Optional<ClusterTlsProvider> tls = Optional.empty();

    static void namesInUse(Map<String, String> names) {
        namesInUse = Map.copyOf(names);
    }

    static void useTls(Optional<ClusterTlsProvider> provider) {
        tls = provider;
    }

    @Override
    public Seq<String> requiredKeys() {
        return CollectionConverters.asScala(List.of(NAME_KEY, HOST_KEY, PORT_KEY)).toList();
    }

    @Override
    public ConfigValidation check(Config toCheck, Config actualConfig) {
        if (!toCheck.hasPath(NAME_KEY)) {
            return invalid("the joining node has no cloakmesh.node.name: it is not a cloakmesh node");
        }
        String name = toCheck.getString(NAME_KEY);
        String address = toCheck.hasPath(HOST_KEY) && toCheck.hasPath(PORT_KEY)
                ? toCheck.getString(HOST_KEY) + ":" + toCheck.getInt(PORT_KEY) : "?";
        String holder = namesInUse.get(name);
        // The same address is a restart of that node: Pekko replaces the old incarnation itself.
        if (holder != null && !holder.equals(address)) {
            return invalid("node name " + name + " (joining from " + address + ") is taken by the member at " + holder);
        }
        if (tls.isPresent()) {
            Optional<String> refusal = tls.get().probe(toCheck.getString(HOST_KEY), toCheck.getInt(PORT_KEY), name);
            if (refusal.isPresent()) {
                return invalid(refusal.get());
            }
        }
        return Valid$.MODULE$;
    }

    private static ConfigValidation invalid(String reason) {
        return new Invalid(CollectionConverters.asScala(List.of(reason)).toList());
    }
}
