package io.cloakmesh.node.admin;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpCharsets;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The web console's files, served from the jar to anyone: the page itself holds no data, only the login
 * form and the code that asks the token-guarded API for everything it shows. Every response forbids
 * caching, framing and any script, style or connection but the page's own.
 */
final class ConsolePage extends AllDirectives {
    /** What the page may load and where it may connect: its own files and the API, nothing inline. */
    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
            + "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    static final List<HttpHeader> HEADERS = List.of(
            RawHeader.create("Content-Security-Policy", CONTENT_SECURITY_POLICY),
            RawHeader.create("Cache-Control", "no-store"),
            RawHeader.create("X-Content-Type-Options", "nosniff"),
            RawHeader.create("X-Frame-Options", "DENY"),
            RawHeader.create("Referrer-Policy", "no-referrer"));

    private record Asset(ContentType type, byte[] bytes) {
    }

    private final Asset page = asset("index.html", ContentTypes.TEXT_HTML_UTF8);
    private final Map<String, Asset> files = Map.of(
            "console.js", asset("console.js", ContentTypes.create(MediaTypes.APPLICATION_JAVASCRIPT, HttpCharsets.UTF_8)),
            "console.css", asset("console.css", ContentTypes.create(MediaTypes.TEXT_CSS, HttpCharsets.UTF_8)));

    Route routes() {
        return get(() -> concat(
                pathSingleSlash(() -> served(page)),
                pathPrefix("console", () -> path(PathMatchers.segment(), name -> {
                    Asset file = files.get(name);
                    return file == null ? reject() : served(file);
                }))));
    }

    private Route served(Asset asset) {
        return respondWithHeaders(HEADERS, () -> complete(HttpEntities.create(asset.type(), asset.bytes())));
    }

    private static Asset asset(String name, ContentType type) {
        try (InputStream in = ConsolePage.class.getResourceAsStream("/console/" + name)) {
            if (in == null) {
                throw new IllegalStateException("console file missing from the jar: " + name);
            }
            return new Asset(type, in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
