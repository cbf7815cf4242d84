package ai.kaizen.server.metrics;

import ai.kaizen.server.account.Tokens;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

/**
 * {@code GET /metrics}: every meter in Prometheus' text format. Without {@code metrics.token} anyone who can reach
 * the port may read it (keep it off the public internet, e.g. at the proxy); with it, only a request with
 * {@code Authorization: Bearer <token>} (Prometheus' {@code authorization} / {@code bearer_token_file}).
 */
public final class MetricsRoutes {

    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final Metrics metrics;
    private final Optional<byte[]> tokenHash;

    public MetricsRoutes(Metrics metrics, Optional<String> token) {
        this.metrics = metrics;
        this.tokenHash = token.map(MetricsRoutes::hash);
    }

    public void mount(Router router) {
        router.get("/metrics").handler(this::scrape);
    }

    private void scrape(RoutingContext ctx) {
        if (tokenHash.isPresent()) {
            String header = ctx.request().getHeader("Authorization");
            String given = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)
                    ? header.substring(7).strip() : "";
            // Compared as digests in constant time: neither the length nor a prefix of the token leaks.
            if (!MessageDigest.isEqual(hash(given), tokenHash.get())) {
                ctx.response().setStatusCode(401).putHeader("WWW-Authenticate", "Bearer realm=\"metrics\"")
                        .putHeader("Content-Type", "application/json")
                        .end("{\"error\":\"metrics need Authorization: Bearer <metrics.token>\"}");
                return;
            }
        }
        String text = metrics.scrape();
        ctx.response().putHeader("Content-Type", CONTENT_TYPE).putHeader("Cache-Control", "no-store").end(text);
    }

    private static byte[] hash(String text) {
        return Tokens.sha256(text).getBytes(StandardCharsets.US_ASCII);
    }
}
