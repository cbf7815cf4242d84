package ai.kaizen.server.http;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.common.template.TemplateEngine;

import java.util.Map;

/**
 * Renders the Thymeleaf pages of the web module ({@code templates/NAME.html}). Every page gets {@code caller} and
 * {@code csrf} (the session's CSRF token, for forms and for scripts through a meta tag). Thymeleaf escapes all
 * text it writes with {@code th:text}, so user and model text never becomes markup.
 */
public final class Pages {

    private final TemplateEngine engine;

    public Pages(TemplateEngine engine) {
        this.engine = engine;
    }

    public void render(RoutingContext ctx, int status, String name, Map<String, Object> data) {
        JsonObject model = new JsonObject();
        data.forEach(model::put);
        Sessions.caller(ctx).ifPresent(caller -> {
            model.put("caller", caller);
            caller.csrfToken().ifPresent(token -> model.put("csrf", token));
        });
        engine.render(model, "templates/" + name + ".html")
                .onSuccess(html -> ctx.response().setStatusCode(status)
                        .putHeader("Content-Type", "text/html; charset=utf-8")
                        .putHeader("Cache-Control", "no-store")
                        .end(html))
                .onFailure(ctx::fail);
    }
}
