package io.cloakmesh.node.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.cloakmesh.crypto.ConstantTime;
import io.cloakmesh.node.config.MeshSettings.AdminSettings;
import io.cloakmesh.node.mesh.MeshNode;
import io.cloakmesh.node.routing.RouteView;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.HttpChallenge;
import org.apache.pekko.http.javadsl.model.headers.WWWAuthenticate;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's admin API over HTTP, for operators and tests. Every request must carry
 * {@code Authorization: Bearer <token>}; the token is compared in constant time.
 *
 * <pre>
 * GET    /v1/node    this node: name, datacenter, draining, listeners and per-service counters
 * GET    /v1/routes  the services table as this node sees it
 * POST   /v1/drain   mark this node draining;  DELETE /v1/drain  make it active again
 * </pre>
 */
public final class AdminServer extends AllDirectives {
    private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final MeshNode node;
    private final byte[] tokenDigest;

    private AdminServer(MeshNode node, String token) {
        this.node = node;
        this.tokenDigest = sha256(token);
    }

    public static CompletionStage<ServerBinding> start(MeshNode node, AdminSettings settings) {
        AdminServer server = new AdminServer(node, settings.token());
        return Http.get(node.system()).newServerAt(settings.listen().host(), settings.listen().port())
                .bind(server.routes())
                .thenApply(binding -> {
                    LOG.info("admin API on http://{}:{}/v1/", binding.localAddress().getHostString(),
                            binding.localAddress().getPort());
                    CoordinatedShutdown.get(node.system()).addTask(CoordinatedShutdown.PhaseServiceStop(), "admin-stop",
                            () -> binding.terminate(Duration.ofSeconds(2)).thenApply(t -> org.apache.pekko.Done.getInstance()));
                    return binding;
                });
    }

    Route routes() {
        return optionalHeaderValueByName("Authorization", header -> {
            if (!authorized(header)) {
                return respondWithHeader(WWWAuthenticate.create(HttpChallenge.createOAuth2("cloakmesh")),
                        () -> complete(StatusCodes.UNAUTHORIZED, "missing or wrong bearer token\n"));
            }
            return pathPrefix("v1", () -> concat(
                    path("node", () -> get(() -> json(this::nodeStatus))),
                    path("routes", () -> get(() -> json(this::routeTable))),
                    path("drain", () -> concat(
                            post(() -> onSuccess(node.setDraining(true), done -> json(this::nodeStatus))),
                            delete(() -> onSuccess(node.setDraining(false), done -> json(this::nodeStatus)))))));
        });
    }

    private boolean authorized(Optional<String> header) {
        if (header.isEmpty() || !header.get().startsWith("Bearer ")) {
            return false;
        }
        byte[] presented = sha256(header.get().substring("Bearer ".length()).trim());
        return ConstantTime.equals(presented, 0, tokenDigest, 0, tokenDigest.length);
    }

    private Map<String, Object> nodeStatus() {
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("name", node.settings().nodeName());
        status.put("datacenter", node.settings().datacenter());
        status.put("draining", node.draining());
        node.links().linkAddress().ifPresent(a -> status.put("linkPort", a.getPort()));
        Map<String, Integer> imports = new TreeMap<>();
        node.links().importAddresses().forEach((name, address) -> imports.put(name, address.getPort()));
        status.put("importPorts", imports);
        status.put("services", node.links().counters());
        return status;
    }

    private Map<String, List<RouteView.Route>> routeTable() {
        return new TreeMap<>(node.routes().routes());
    }

    private Route json(Supplier<Object> body) {
        try {
            return complete(HttpEntities.create(ContentTypes.APPLICATION_JSON, JSON.writeValueAsBytes(body.get())));
        } catch (JsonProcessingException e) {
            return complete(StatusCodes.INTERNAL_SERVER_ERROR, "cannot render JSON: " + e.getOriginalMessage() + "\n");
        }
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }
}
