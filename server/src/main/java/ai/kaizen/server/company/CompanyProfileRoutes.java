package ai.kaizen.server.company;

import ai.kaizen.server.account.Caller;
import ai.kaizen.server.http.HttpError;
import ai.kaizen.server.http.JsonBodies;
import ai.kaizen.server.http.Pages;
import ai.kaizen.server.http.Sessions;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.Map;

/**
 * The company profile in the operator console: the page {@code /console/company} and its JSON API,
 * {@code GET|PUT /api/console/company-profile}, {@code GET /api/console/company-profile/versions} and
 * {@code GET /api/console/company-profile/versions/{version}}. Mounted after the console's routes, whose handlers
 * let only operators through (and, like every browser route, state changes only with the session's CSRF token).
 */
public final class CompanyProfileRoutes {

    private static final int HISTORY = 50;

    private final CompanyProfiles profiles;
    private final Pages pages;

    public CompanyProfileRoutes(CompanyProfiles profiles, Pages pages) {
        this.profiles = profiles;
        this.pages = pages;
    }

    public void mount(Router router) {
        // The page's script reads and saves the profile through the API below.
        router.get("/console/company").handler(ctx -> pages.render(ctx, 200, "console-company", Map.of()));
        router.get("/api/console/company-profile").handler(ctx -> reply(ctx, profiles.current()
                .map(CompanyProfileJson::write)));
        router.put("/api/console/company-profile").handler(this::save);
        router.get("/api/console/company-profile/versions").handler(ctx -> reply(ctx, profiles.versions(HISTORY)
                .map(list -> new JsonArray(list.stream().map(CompanyProfileJson::write).toList()))));
        router.get("/api/console/company-profile/versions/:version").handler(this::version);
    }

    private void save(RoutingContext ctx) {
        JsonBodies.object(ctx).ifPresent(body -> reply(ctx, profiles.current()
                .map(current -> CompanyProfileJson.read(body, current))
                .compose(wanted -> profiles.save(wanted, actor(ctx)))
                .map(CompanyProfileJson::write)));
    }

    private void version(RoutingContext ctx) {
        String text = ctx.pathParam("version");
        int version;
        try {
            version = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            version = 0;
        }
        if (version < 1) {
            HttpError.fail(ctx, 400, "'" + text + "' is not a version number (1 or more)");
            return;
        }
        int wanted = version;
        reply(ctx, profiles.version(wanted).map(found -> CompanyProfileJson.write(found.orElseThrow(() ->
                new java.util.NoSuchElementException("the company profile has no version " + wanted)))));
    }

    private static String actor(RoutingContext ctx) {
        Caller caller = Sessions.caller(ctx).orElseThrow();
        return caller.userName().orElse(caller.principal());
    }

    private static void reply(RoutingContext ctx, Future<?> body) {
        body.onSuccess(value -> JsonBodies.reply(ctx, value)).onFailure(e -> {
            if (e instanceof CompanyProfileJson.Invalid) {
                HttpError.fail(ctx, 400, e.getMessage());
            } else if (e instanceof java.util.NoSuchElementException) {
                HttpError.fail(ctx, 404, e.getMessage());
            } else {
                ctx.fail(e);
            }
        });
    }
}
