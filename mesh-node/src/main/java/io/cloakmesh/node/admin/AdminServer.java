package io.cloakmesh.node.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.cloakmesh.crypto.ConstantTime;
import io.cloakmesh.node.config.AdminSettings;
import io.cloakmesh.node.config.FilterSettings;
import io.cloakmesh.node.config.InvalidSettingException;
import io.cloakmesh.node.config.Settings;
import io.cloakmesh.node.logging.Printable;
import io.cloakmesh.node.net.ConnectionLimit;
import io.cloakmesh.node.net.Listener;
import io.cloakmesh.node.tls.ReloadingTls;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.cluster.Cluster;
import org.apache.pekko.http.javadsl.ConnectionContext;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.ServerBuilder;
import org.apache.pekko.http.javadsl.marshalling.sse.EventStreamMarshalling;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.HttpChallenge;
import org.apache.pekko.http.javadsl.model.headers.WWWAuthenticate;
import org.apache.pekko.http.javadsl.model.sse.ServerSentEvent;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;
import org.apache.pekko.management.cluster.javadsl.ClusterHttpManagementRoutes;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's admin API over HTTP, and the web console's page ({@link ConsolePage}, which holds no data).
 * Every API request must carry {@code Authorization: Bearer <token>} (401 otherwise); the token is
 * compared in constant time. Mesh-wide answers gather every node's part through its {@link AdminAgent},
 * each with a deadline, and list the members that did not answer under {@code unanswered}. See
 * docs/operations.md for every route.
 */
public final class AdminServer extends AllDirectives {
    private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    /** One event is one line of JSON. */
    private static final ObjectMapper JSON_LINE = new ObjectMapper();
    /** How long one node's part of a mesh-wide answer may take before it is marked unanswered. */
    private static final Duration PER_NODE = Duration.ofSeconds(2);

    private final ManagedNode node;
    private final byte[] tokenDigest;
    private final MeshQuery mesh;
    private final ConsolePage console = new ConsolePage();
    private final ConsoleFeed feed;

    private AdminServer(ManagedNode node, String token) {
        this.node = node;
        this.tokenDigest = sha256(token);
        this.mesh = new MeshQuery(node.system(), PER_NODE);
        this.feed = new ConsoleFeed(node, mesh);
    }

    /** Binds the API on admin.listen, over HTTPS with {@code https}'s certificates when given. */
    public static CompletionStage<ServerBinding> start(ManagedNode node, AdminSettings settings, Optional<ReloadingTls> https) {
        AdminServer server = new AdminServer(node, settings.token());
        ServerBuilder builder = Http.get(node.system()).newServerAt(settings.listen().host(), settings.listen().port());
        if (https.isPresent()) {
            ReloadingTls tls = https.get();
            builder = builder.enableHttps(ConnectionContext.httpsServer(() -> tls.current().serverEngine()));
        }
        String scheme = https.isPresent() ? "https" : "http";
        Flow<HttpRequest, HttpResponse, NotUsed> routes = server.routes().flow(node.system());
        // Pekko HTTP's own max-connections bounds the API; this adds the pause near the descriptor limit.
        return builder.connectionSource()
                .via(new ConnectionLimit<>(0, Listener.logging("admin API",
                        () -> node.listenerEvents().count("admin", "fd-limit"))))
                .to(Sink.foreach(admitted -> admitted.connection().handleWith(Flow.of(HttpRequest.class)
                        .watchTermination((notUsed, ended) -> {
                            ended.whenComplete((done, failure) -> admitted.release().run());
                            return notUsed;
                        })
                        .via(routes), Materializer.matFromSystem(node.system()))))
                .run(node.system())
                .thenApply(binding -> {
                    LOG.info("admin API on {}://{}:{}/v1/", scheme, binding.localAddress().getHostString(),
                            binding.localAddress().getPort());
                    CoordinatedShutdown.get(node.system()).addTask(CoordinatedShutdown.PhaseServiceStop(), "admin-stop",
                            () -> binding.unbind().thenApply(t -> Done.getInstance()));
                    return binding;
                });
    }

    Route routes() {
        return concat(console.routes(), api());
    }

    private Route api() {
        return optionalHeaderValueByName("Authorization", header -> {
            if (!authorized(header)) {
                return respondWithHeader(WWWAuthenticate.create(HttpChallenge.createOAuth2("cloakmesh")),
                        () -> complete(StatusCodes.UNAUTHORIZED, "missing or wrong bearer token\n"));
            }
            return concat(
                    path("metrics", () -> get(() -> complete(HttpEntities.create(
                            ContentTypes.TEXT_PLAIN_UTF8, Prometheus.render(node.report()))))),
                    // Pekko Management's read-only membership routes, under /cluster/.
                    ClusterHttpManagementRoutes.readOnly(Cluster.get(Adapter.toClassic(node.system()))),
                    pathPrefix("v1", () -> concat(
                            path("node", () -> get(() -> json(() -> node.report()))),
                            path("status", () -> get(() -> gathered(MeshViews::status))),
                            path("members", () -> get(() -> gathered(MeshViews::members))),
                            path("services", () -> get(() -> gathered(MeshViews::services))),
                            path("routes", () -> get(() -> gathered(MeshViews::routes))),
                            path("connections", () -> get(() -> parameterOptional("service", service ->
                                    service.isPresent() && !Settings.isName(service.get()) ? notAName("service")
                                            : gathered((views, g) -> views.connections(g, service))))),
                            path("stats", () -> get(() -> gathered(MeshViews::stats))),
                            path(PathMatchers.segment("console").slash("events"), () -> get(this::consoleEvents)),
                            pathPrefix("topology", () -> path(PathMatchers.segment(), service ->
                                    get(() -> Settings.isName(service) ? gathered((views, g) -> views.topology(service, g))
                                            : notAName("service")))),
                            pathPrefix("filters", () -> pathPrefix(PathMatchers.segment(), service -> concat(
                                    pathEnd(() -> concat(
                                            get(() -> onExporters(service, agent -> mesh.ask(agent,
                                                    reply -> new AdminAgent.ShowFilter(service, reply), PER_NODE))),
                                            put(() -> entity(Unmarshaller.entityToString(), rules -> setFilter(service, rules))))),
                                    path("test", () -> post(() -> entity(Unmarshaller.entityToString(),
                                            body -> testFilter(service, body))))))),
                            pathPrefix("nodes", () -> pathPrefix(PathMatchers.segment(), name -> concat(
                                    path("drain", () -> concat(
                                            post(() -> onNode(name, agent -> mesh.<NodeReport>ask(agent,
                                                    reply -> new AdminAgent.SetDraining(true, reply), PER_NODE.multipliedBy(3)))),
                                            delete(() -> onNode(name, agent -> mesh.<NodeReport>ask(agent,
                                                    reply -> new AdminAgent.SetDraining(false, reply), PER_NODE.multipliedBy(3)))))),
                                    path("reload", () -> post(() -> onNode(name, agent -> mesh.<AdminAgent.ReloadReply>ask(
                                            agent, AdminAgent.Reload::new, Duration.ofSeconds(15)))))))))));
        });
    }

    /** The console's frames as server-sent events, one a {@link ConsoleFeed#PERIOD}, until the page goes. */
    private Route consoleEvents() {
        Source<ServerSentEvent, NotUsed> events = Source.tick(Duration.ZERO, ConsoleFeed.PERIOD, NotUsed.getInstance())
                .mapMaterializedValue(ticks -> NotUsed.getInstance())
                .mapAsync(1, tick -> feed.frame())
                .map(frame -> ServerSentEvent.create(JSON_LINE.writeValueAsString(frame)));
        return respondWithHeaders(ConsolePage.HEADERS, () -> completeOK(events, EventStreamMarshalling.toEventStream()));
    }

    /** A mesh-wide answer: every node's part gathered, then shaped by {@code view}. */
    private Route gathered(java.util.function.BiFunction<MeshViews, MeshQuery.Gathered, Object> view) {
        return onSuccess(mesh.gather(), g -> json(() -> view.apply(new MeshViews(node), g)));
    }

    /** The rule set in the request put in force on every node that exports {@code service}, if it parses. */
    private Route setFilter(String service, String rules) {
        try {
            FilterSettings.parse(rules);
        } catch (InvalidSettingException e) {
            return complete(StatusCodes.BAD_REQUEST, "rules refused whole: " + Printable.of(e.getMessage()) + "\n");
        }
        return onExporters(service, agent -> mesh.ask(agent, reply -> new AdminAgent.SetFilter(service, rules, reply),
                PER_NODE));
    }

    /** {@code {"db": 0, "command": ["GET", "key"]}} judged by every exporter's filter, sent nowhere. */
    private Route testFilter(String service, String body) {
        long db;
        List<String> command = new ArrayList<>();
        try {
            JsonNode request = JSON.readTree(body);
            db = request.path("db").asLong(0);
            request.path("command").forEach(arg -> command.add(arg.asText()));
        } catch (IOException e) {
            return complete(StatusCodes.BAD_REQUEST, "expected {\"db\": 0, \"command\": [\"GET\", \"key\"]}\n");
        }
        if (command.isEmpty() || db < 0) {
            return complete(StatusCodes.BAD_REQUEST, "name a command to test, and a db that is not negative\n");
        }
        return onExporters(service, agent -> mesh.ask(agent, reply -> new AdminAgent.TestFilter(service, db, command, reply),
                PER_NODE));
    }

    record FilterReplies(String service, List<AdminAgent.FilterReply> nodes, List<String> unanswered) {
    }

    /** Asks every node that exports {@code service}: 404 when none does, an exporter that failed to answer listed. */
    private Route onExporters(String service,
            java.util.function.Function<ActorRef<AdminAgent.Command>, CompletionStage<AdminAgent.FilterReply>> action) {
        if (!Settings.isName(service)) {
            return notAName("service");
        }
        CompletionStage<Optional<FilterReplies>> result = mesh.exportersOf(service).thenCompose(exporters -> {
            List<CompletableFuture<AdminAgent.FilterReply>> asks = exporters.agents().stream()
                    .map(agent -> action.apply(agent).toCompletableFuture()).toList();
            return CompletableFuture.allOf(asks.toArray(CompletableFuture[]::new)).handle((x, failure) -> {
                List<AdminAgent.FilterReply> replies = new ArrayList<>();
                List<String> unanswered = new ArrayList<>(exporters.unanswered());
                for (int i = 0; i < asks.size(); i++) {
                    if (asks.get(i).isCompletedExceptionally()) {
                        unanswered.add(exporters.agents().get(i).path().address().toString());
                    } else {
                        replies.add(asks.get(i).join());
                    }
                }
                replies.sort(java.util.Comparator.comparing(AdminAgent.FilterReply::datacenter)
                        .thenComparing(AdminAgent.FilterReply::node));
                return replies.isEmpty() && unanswered.isEmpty() ? Optional.<FilterReplies>empty()
                        : Optional.of(new FilterReplies(service, replies, unanswered));
            });
        });
        return onSuccess(result, replies -> replies.<Route>map(r -> json(() -> r))
                .orElseGet(() -> complete(StatusCodes.NOT_FOUND, "no node exports " + service + "\n")));
    }

    /**
     * A 400 for a path or parameter that is not a name. What was sent is not echoed: names are checked
     * before they are used or repeated anywhere.
     */
    private Route notAName(String what) {
        return complete(StatusCodes.BAD_REQUEST, "not a " + what
                + " name (letters, digits, '_' and '-', at most 63, starting with a letter or digit)\n");
    }

    /** Runs {@code action} on the named node's agent: 400 for no name, 404 if no such node answers, 502 if it fails. */
    private <T> Route onNode(String name, java.util.function.Function<ActorRef<AdminAgent.Command>, CompletionStage<T>> action) {
        if (!Settings.isName(name)) {
            return notAName("node");
        }
        CompletionStage<Optional<T>> result = mesh.agentOf(name).thenCompose(agent -> agent
                .map(a -> action.apply(a).thenApply(Optional::of))
                .orElse(CompletableFuture.completedFuture(Optional.empty())));
        return onComplete(result, attempt -> {
            if (attempt.isFailure()) {
                return complete(StatusCodes.BAD_GATEWAY, "node " + name + " did not carry it out: "
                        + Printable.of(String.valueOf(attempt.failed().get().getMessage())) + "\n");
            }
            return attempt.get().<Route>map(answer -> json(() -> answer))
                    .orElseGet(() -> complete(StatusCodes.NOT_FOUND, "no node named " + name + " answers\n"));
        });
    }

    private boolean authorized(Optional<String> header) {
        if (header.isEmpty() || !header.get().startsWith("Bearer ")) {
            return false;
        }
        byte[] presented = sha256(header.get().substring("Bearer ".length()).trim());
        return ConstantTime.equals(presented, 0, tokenDigest, 0, tokenDigest.length);
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
