package io.cloakmesh.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;

/** The admin API over HTTP with the JDK's client: one request, JSON back, every failure as one clear line. */
final class AdminClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http;
    private final URI base;
    private final String token;

    AdminClient(URI base, String token, Optional<SSLContext> tls) {
        this.base = base;
        this.token = token;
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
        tls.ifPresent(builder::sslContext);
        this.http = builder.build();
    }

    JsonNode get(String path) throws AdminException {
        return send("GET", path);
    }

    JsonNode send(String method, String path) throws AdminException {
        return send(method, path, HttpRequest.BodyPublishers.noBody());
    }

    /** Sends {@code body} as UTF-8 text (a rule set, or JSON). */
    JsonNode send(String method, String path, String body) throws AdminException {
        return send(method, path, HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    }

    private JsonNode send(String method, String path, HttpRequest.BodyPublisher body) throws AdminException {
        URI uri = base.resolve(path);
        HttpRequest request = HttpRequest.newBuilder(uri)
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "text/plain; charset=UTF-8")
                .timeout(Duration.ofSeconds(30))
                .method(method, body)
                .build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            throw new AdminException("cannot reach the admin API at " + base + ": connection refused");
        } catch (HttpTimeoutException e) {
            throw new AdminException("the admin API at " + base + " did not answer in time");
        } catch (IOException e) {
            if (e instanceof SSLException || e.getCause() instanceof SSLException) {
                throw new AdminException("TLS with " + base + " failed (" + e.getMessage() + "): for a node's https:// "
                        + "admin API pass --cacert with the CA that signed its certificate");
            }
            // Something answered, but not with HTTP: usually --url names another port of the node (a link,
            // an import, the cluster) or says http:// where the admin API wants https://.
            throw new AdminException("no HTTP answer from " + base + " ("
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage())
                    + "): is it a node's admin.listen address, with the right http:// or https://?");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AdminException("interrupted");
        }
        switch (response.statusCode()) {
            case 200:
                break;
            case 401:
                throw new AdminException("the admin API at " + base + " refused the token (401): check --token-file");
            default:
                throw new AdminException(response.body().isBlank() ? method + " " + path + ": HTTP " + response.statusCode()
                        : response.body().strip());
        }
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new AdminException(method + " " + path + ": the answer is not JSON: " + e.getMessage());
        }
    }
}
