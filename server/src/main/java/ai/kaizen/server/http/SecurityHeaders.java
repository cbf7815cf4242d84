package ai.kaizen.server.http;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

/**
 * Headers every response carries: a strict Content-Security-Policy (scripts and styles only from our own origin,
 * no inline code, no framing), no MIME sniffing, no referrer leaks. Answers of the JSON APIs ({@code /api/},
 * {@code /v1/}) hold conversations, feedback and keys' data: no cache, shared or private, may keep them.
 */
public final class SecurityHeaders implements Handler<RoutingContext> {

    static final String CSP = String.join("; ",
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "connect-src 'self'",
            "font-src 'self'",
            "form-action 'self'",
            "base-uri 'none'",
            "frame-ancestors 'none'");

    @Override
    public void handle(RoutingContext ctx) {
        ctx.response().headers()
                .set("Content-Security-Policy", CSP)
                .set("X-Content-Type-Options", "nosniff")
                .set("X-Frame-Options", "DENY")
                .set("Referrer-Policy", "same-origin")
                .set("Cross-Origin-Opener-Policy", "same-origin");
        String path = ctx.normalizedPath();
        if (path.startsWith("/api/") || path.startsWith("/v1/")) {
            ctx.response().headers().set("Cache-Control", "no-store");
        }
        ctx.next();
    }
}
