package ai.kaizen.server.http;

import ai.kaizen.server.account.Accounts;
import ai.kaizen.server.account.Caller;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.HashMap;
import java.util.Map;

/** Signing in and out ({@code /login}, {@code /logout}) and who the caller is ({@code GET /api/me}). */
public final class AccountRoutes {

    private final Accounts accounts;
    private final Sessions sessions;
    private final Pages pages;
    private final RateLimits limits;
    private final int loginsPerMinute;

    public AccountRoutes(Accounts accounts, Sessions sessions, Pages pages, RateLimits limits, int loginsPerMinute) {
        this.accounts = accounts;
        this.sessions = sessions;
        this.pages = pages;
        this.limits = limits;
        this.loginsPerMinute = loginsPerMinute;
    }

    public void mount(Router router) {
        router.get("/login").handler(this::loginPage);
        router.post("/login").handler(limits.perAddress("sign-in attempts", loginsPerMinute, this::tooManyAttempts))
                .handler(this::login);
        router.post("/logout").handler(this::logout);
        router.get("/api/me").handler(this::me);
    }

    private void loginPage(RoutingContext ctx) {
        // A session (anonymous until signed in) carries the CSRF token the form must send back.
        sessions.ensure(ctx).onSuccess(caller -> showLogin(ctx, 200, null, "", ctx.request().getParam("next")))
                .onFailure(ctx::fail);
    }

    private void showLogin(RoutingContext ctx, int status, String error, String name, String next) {
        Map<String, Object> data = new HashMap<>();
        data.put("error", error);
        data.put("name", name);
        data.put("next", safeNext(next));
        pages.render(ctx, status, "login", data);
    }

    private void login(RoutingContext ctx) {
        String name = ctx.request().getFormAttribute("name");
        String password = ctx.request().getFormAttribute("password");
        String next = safeNext(ctx.request().getFormAttribute("next"));
        if (name == null || name.isBlank() || password == null || password.isEmpty()) {
            showLogin(ctx, 400, "Enter your name and password.", name == null ? "" : name, next);
            return;
        }
        if (StorableText.problem(name).isPresent()) {
            // no account has such a name, and the database refuses to even look (a NUL)
            showLogin(ctx, 400, "Unknown name or wrong password.", "", next);
            return;
        }
        Future.fromCompletionStage(accounts.checkPassword(name, password), ctx.vertx().getOrCreateContext())
                .compose(user -> user.isEmpty() ? Future.succeededFuture(false)
                        : sessions.signIn(ctx, user.get()).map(caller -> true))
                .onSuccess(ok -> {
                    if (ok) {
                        seeOther(ctx, next);
                    } else {
                        showLogin(ctx, 401, "Unknown name or wrong password.", name, next);
                    }
                })
                .onFailure(ctx::fail);
    }

    /**
     * A browser's sign-in form gets the sign-in page back with the message (429); a program, which does not ask for
     * HTML, the usual JSON error.
     */
    private void tooManyAttempts(RoutingContext ctx, String message) {
        String accept = ctx.request().getHeader("Accept");
        if (accept == null || !accept.contains("text/html")) {
            HttpError.fail(ctx, 429, message);
            return;
        }
        String name = ctx.request().getFormAttribute("name");
        showLogin(ctx, 429, Character.toUpperCase(message.charAt(0)) + message.substring(1) + ".",
                name == null || StorableText.problem(name).isPresent() ? "" : name,
                ctx.request().getFormAttribute("next"));
    }

    private void logout(RoutingContext ctx) {
        sessions.end(ctx).onSuccess(done -> seeOther(ctx, "/")).onFailure(ctx::fail);
    }

    /** 303: after a form POST, the browser follows with a GET. */
    static void seeOther(RoutingContext ctx, String location) {
        ctx.response().setStatusCode(303).putHeader("Location", location).end();
    }

    private void me(RoutingContext ctx) {
        JsonObject body = new JsonObject();
        Caller caller = Sessions.caller(ctx).orElse(null);
        body.put("signed_in", caller != null && caller.isSignedIn());
        body.put("role", caller == null ? "end-user" : caller.role().label());
        body.put("name", caller == null ? null : caller.userName().orElse(null));
        ctx.response().putHeader("Content-Type", "application/json; charset=utf-8").end(body.encode());
    }

    /** Where to go after signing in: a path on this site only, never another origin. */
    static String safeNext(String next) {
        if (next == null || next.isBlank() || !next.startsWith("/") || next.startsWith("//")
                || next.startsWith("/\\") || next.chars().anyMatch(c -> c < 0x20)) {
            return "/";
        }
        return next;
    }
}
