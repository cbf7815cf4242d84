package ai.kaizen.server.feedback;

import ai.kaizen.server.http.ApiRequest;
import ai.kaizen.server.http.JsonBodies;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;


/**
 * Ratings and pairwise choices from the chat page: {@code PUT /api/messages/:id/rating} and
 * {@code PUT /api/comparisons/:id/choice}, each one statement that checks the caller's ownership as it writes
 * ({@link FeedbackService}). A 200 means the feedback is committed.
 */
public final class FeedbackRoutes {

    private final FeedbackService feedback;

    public FeedbackRoutes(FeedbackService feedback) {
        this.feedback = feedback;
    }

    public void mount(Router router) {
        router.put("/api/messages/:id/rating").handler(this::rate);
        router.put("/api/comparisons/:id/choice").handler(this::choose);
        router.get("/api/feedback/reasons")
                .handler(ctx -> JsonBodies.reply(ctx, new JsonArray(feedback.reasons())));
    }

    private void rate(RoutingContext ctx) {
        ApiRequest.readWithBody(ctx).ifPresent(request -> reply(ctx,
                feedback.rate(request.caller().principal(), request.id(), request.body())));
    }

    private void choose(RoutingContext ctx) {
        ApiRequest.readWithBody(ctx).ifPresent(request -> reply(ctx,
                feedback.choose(request.caller().principal(), request.id(), request.body())));
    }

    private static void reply(RoutingContext ctx, Future<JsonObject> stored) {
        stored.onSuccess(json -> JsonBodies.reply(ctx, json)).onFailure(ctx::fail);
    }
}
