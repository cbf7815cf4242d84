package ai.kaizen.server.http;

import ai.kaizen.db.account.Role;
import ai.kaizen.server.account.Caller;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Role checks, one handler per protected route: anonymous callers of a signed-in route are sent to sign in (pages)
 * or get 401 (APIs); signed-in callers without the role get 403.
 */
public final class Access {

    private Access() {
    }

    /** Lets the request through only for callers whose role includes {@code role}. */
    public static Handler<RoutingContext> require(Role role) {
        return ctx -> {
            Optional<Caller> caller = Sessions.caller(ctx);
            if (caller.isPresent() && caller.get().may(role)) {
                ctx.next();
            } else if (caller.isPresent() && caller.get().isSignedIn()) {
                HttpError.fail(ctx, 403, "this needs the " + role.label() + " role");
            } else if (ctx.request().method() == HttpMethod.GET && wantsHtml(ctx)) {
                ctx.redirect("/login?next=" + URLEncoder.encode(ctx.request().uri(), StandardCharsets.UTF_8));
            } else {
                HttpError.fail(ctx, 401, "sign in as a " + role.label() + " first");
            }
        };
    }

    static boolean wantsHtml(RoutingContext ctx) {
        String accept = ctx.request().getHeader("Accept");
        return accept != null && accept.contains("text/html");
    }
}
