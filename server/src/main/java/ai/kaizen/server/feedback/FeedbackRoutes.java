package ai.kaizen.server.feedback;

import ai.kaizen.db.feedback.FeedbackRepository;
import ai.kaizen.db.feedback.PairwiseComparison;
import ai.kaizen.db.feedback.Rating;
import ai.kaizen.db.feedback.RatingChange;
import ai.kaizen.server.account.Caller;
import ai.kaizen.server.http.ApiRequest;
import ai.kaizen.server.http.HttpError;
import ai.kaizen.server.http.JsonBodies;
import ai.kaizen.server.metrics.FeedbackMetrics;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Ratings and pairwise choices from the chat page: {@code PUT /api/messages/:id/rating} and
 * {@code PUT /api/comparisons/:id/choice}, each one statement that checks the caller's ownership as it writes. A 200
 * means the feedback is committed.
 */
public final class FeedbackRoutes {

    static final int MAX_COMMENT = 2000;

    private final FeedbackRepository feedback;
    private final List<String> reasons;
    private final FeedbackMetrics metrics;

    /** @param reasons the thumbs-down reasons users may pick from */
    public FeedbackRoutes(FeedbackRepository feedback, List<String> reasons, FeedbackMetrics metrics) {
        this.feedback = feedback;
        this.reasons = List.copyOf(reasons);
        this.metrics = metrics;
    }

    public void mount(Router router) {
        router.put("/api/messages/:id/rating").handler(this::rate);
        router.put("/api/comparisons/:id/choice").handler(this::choose);
        router.get("/api/feedback/reasons").handler(ctx -> JsonBodies.reply(ctx, new JsonArray(reasons)));
    }

    private void rate(RoutingContext ctx) {
        Optional<ApiRequest> request = ApiRequest.readWithBody(ctx);
        if (request.isEmpty()) {
            return;
        }
        UUID id = request.get().id();
        RatingChange change;
        try {
            change = ratingChange(request.get().body(), reasons);
        } catch (IllegalArgumentException e) {
            HttpError.fail(ctx, 400, e.getMessage());
            return;
        }
        String principal = request.get().caller().principal();
        Future.fromCompletionStage(feedback.rateOwnAnswer(id, principal, change), ctx.vertx().getOrCreateContext())
                .onSuccess(rating -> {
                    if (rating.isEmpty()) {
                        HttpError.fail(ctx, 404, "no such answer");
                        return;
                    }
                    metrics.rating(FeedbackMetrics.Source.page);
                    JsonBodies.reply(ctx, toJson(rating.get()));
                })
                .onFailure(ctx::fail);
    }

    private void choose(RoutingContext ctx) {
        Optional<ApiRequest> request = ApiRequest.readWithBody(ctx);
        if (request.isEmpty()) {
            return;
        }
        UUID id = request.get().id();
        Caller caller = request.get().caller();
        Optional<PairwiseComparison.Choice> choice = request.get().body().getValue("choice") instanceof String s
                ? PairwiseComparison.Choice.of(s) : Optional.empty();
        if (choice.isEmpty()) {
            HttpError.fail(ctx, 400, "choice must be one of a, b, tie, both_bad");
            return;
        }
        Future.fromCompletionStage(feedback.chooseOwn(id, caller.principal(), choice.get()),
                        ctx.vertx().getOrCreateContext())
                .onSuccess(chosen -> {
                    if (chosen.isEmpty()) {
                        HttpError.fail(ctx, 404, "no such comparison");
                        return;
                    }
                    metrics.choice(FeedbackMetrics.Source.page);
                    // continues_conversation: false for a pair further up than the conversation's end, whose
                    // later turns stay (the choice is a preference only)
                    JsonBodies.reply(ctx, new JsonObject()
                            .put("id", id.toString())
                            .put("choice", choice.get().label())
                            .put("continuing_message_id", chosen.get().continuing().toString())
                            .put("continues_conversation", chosen.get().continuesConversation()));
                })
                .onFailure(ctx::fail);
    }

    /**
     * Reads {@code {"thumbs": 1|-1|0|null, "stars": 1..5|0|null, "reasons": [...], "comment": "..."}}; absent keys
     * leave that part unchanged.
     *
     * @throws IllegalArgumentException naming the field that is wrong
     */
    public static RatingChange ratingChange(JsonObject body, List<String> allowedReasons) {
        Optional<Integer> thumbs = optionalInt(body, "thumbs");
        Optional<Integer> stars = optionalInt(body, "stars");
        Optional<List<String>> reasons = Optional.empty();
        if (body.containsKey("reasons")) {
            if (!(body.getValue("reasons") instanceof JsonArray array)) {
                throw new IllegalArgumentException("reasons must be a list of strings");
            }
            List<String> list = new ArrayList<>();
            for (Object r : array) {
                if (!(r instanceof String reason) || !allowedReasons.contains(reason)) {
                    throw new IllegalArgumentException("unknown reason " + r + "; allowed: " + allowedReasons);
                }
                if (!list.contains(reason)) {
                    list.add(reason);
                }
            }
            reasons = Optional.of(list);
        }
        Optional<String> comment = Optional.empty();
        if (body.containsKey("comment")) {
            Object c = body.getValue("comment");
            if (c != null && !(c instanceof String)) {
                throw new IllegalArgumentException("comment must be a string");
            }
            String text = c == null ? "" : (String) c;
            if (text.length() > MAX_COMMENT) {
                throw new IllegalArgumentException("comment is longer than " + MAX_COMMENT + " characters");
            }
            comment = Optional.of(text);
        }
        RatingChange change = new RatingChange(thumbs, stars, reasons, comment);
        if (change.isEmpty()) {
            throw new IllegalArgumentException("say something: thumbs, stars, reasons or comment");
        }
        return change;
    }

    private static Optional<Integer> optionalInt(JsonObject body, String key) {
        if (!body.containsKey(key)) {
            return Optional.empty();
        }
        Object v = body.getValue(key);
        if (v == null) {
            return Optional.of(0);
        }
        if (!(v instanceof Integer i)) {
            throw new IllegalArgumentException(key + " must be a whole number");
        }
        return Optional.of(i);
    }

    static JsonObject toJson(Rating rating) {
        return new JsonObject()
                .put("message_id", rating.messageId().toString())
                .put("thumbs", rating.thumbs())
                .put("stars", rating.stars())
                .put("reasons", new JsonArray(rating.reasons()))
                .put("comment", rating.comment());
    }
}
