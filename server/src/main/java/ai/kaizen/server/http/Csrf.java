package ai.kaizen.server.http;

import ai.kaizen.server.account.Tokens;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;

import java.util.Set;

/**
 * Refuses state-changing requests that do not carry the session's CSRF token, in the {@code X-CSRF-Token} header
 * (scripts) or the {@code _csrf} form field (forms). Mounted on routes authenticated by the session cookie, after
 * {@link Sessions} and the body handler; the API under {@code /v1}, authenticated by bearer keys, needs none.
 */
public final class Csrf implements Handler<RoutingContext> {

    public static final String HEADER = "X-CSRF-Token";
    public static final String FIELD = "_csrf";
    private static final Set<HttpMethod> SAFE = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS);

    @Override
    public void handle(RoutingContext ctx) {
        if (SAFE.contains(ctx.request().method())) {
            ctx.next();
            return;
        }
        String expected = Sessions.caller(ctx).flatMap(c -> c.csrfToken()).orElse(null);
        String given = ctx.request().getHeader(HEADER);
        if (given == null) {
            given = ctx.request().getFormAttribute(FIELD);
        }
        if (expected == null || !Tokens.sameSecret(expected, given)) {
            HttpError.fail(ctx, 403, "missing or invalid CSRF token; reload the page and try again");
            return;
        }
        ctx.next();
    }
}
