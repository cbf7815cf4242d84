package ai.kaizen.server.review;

import ai.kaizen.db.humaneval.BlindPair;
import ai.kaizen.db.humaneval.HumanEvalRepository;
import ai.kaizen.server.http.HttpError;
import ai.kaizen.server.http.JsonBodies;
import ai.kaizen.server.lifecycle.HumanEvaluationGate;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The review queue's {@code compare} tasks: the evaluation gate's blind "candidate against serving" comparisons.
 * A reviewer sees a held-out prompt and two answers as A and B, and nothing that tells which model wrote which (no
 * model, version, cycle or side leaves the server before the votes are counted). A vote is final, one per task and
 * reviewer; after each, the cycle is settled at once, so the N-th vote ends it.
 *
 * <ul>
 *     <li>{@code GET /api/review/next?kind=compare}: the next task, or {@code {"task": null}};</li>
 *     <li>{@code POST /api/review/compare/{task}/vote} {@code {"choice": "a"|"b"|"tie"|"both_bad"}};</li>
 *     <li>{@code POST /api/review/compare/{task}/skip} {@code {"reason": "..."}}.</li>
 * </ul>
 */
public final class BlindComparisons {

    private static final Logger log = LoggerFactory.getLogger(BlindComparisons.class);
    static final List<String> CHOICES = List.of("a", "b", "tie", "both_bad");

    private final HumanEvalRepository votes;
    private final HumanEvaluationGate gate;

    public BlindComparisons(HumanEvalRepository votes, HumanEvaluationGate gate) {
        this.votes = votes;
        this.gate = gate;
    }

    /** Mounts the vote and skip routes (the next task comes through the review queue's {@code next}). */
    void mount(Router router) {
        router.post("/api/review/compare/:task/vote").handler(this::vote);
        router.post("/api/review/compare/:task/skip").handler(this::skip);
    }

    /** The reviewer's next comparison task. */
    /** How many comparisons {@code reviewer} has voted on. */
    Future<Long> votesBy(String reviewer, Context context) {
        return Future.fromCompletionStage(votes.votesBy(reviewer), context);
    }

    /** How many comparisons still wait for {@code reviewer}'s vote. */
    Future<Long> remainingFor(String reviewer, Context context) {
        return Future.fromCompletionStage(votes.remainingFor(reviewer), context);
    }

    void next(RoutingContext ctx, String reviewer) {
        Future.fromCompletionStage(votes.next(reviewer), ctx.vertx().getOrCreateContext())
                .onSuccess(task -> JsonBodies.reply(ctx, new JsonObject().put("task", task.map(BlindComparisons::toJson)
                        .orElse(null))))
                .onFailure(ctx::fail);
    }

    /**
     * What a reviewer is shown: the prompt's conversation and the two answers, keyed {@code a} and {@code b}. Nothing
     * else: the side of the candidate, the cycle and the models stay on the server.
     */
    static JsonObject toJson(BlindPair pair) {
        return new JsonObject().put("kind", "compare").put("task_id", pair.id().toString())
                .put("system_prompt", pair.systemPrompt())
                .put("history", new JsonObject(pair.historyJson()).getJsonArray("messages"))
                .put("answers", new JsonArray()
                        .add(new JsonObject().put("key", "a").put("content", pair.answerA()))
                        .add(new JsonObject().put("key", "b").put("content", pair.answerB())));
    }

    private static Optional<UUID> taskId(RoutingContext ctx) {
        try {
            return Optional.of(UUID.fromString(ctx.pathParam("task")));
        } catch (IllegalArgumentException e) {
            HttpError.fail(ctx, 400, "'" + ctx.pathParam("task") + "' is not a comparison task id");
            return Optional.empty();
        }
    }

    private void vote(RoutingContext ctx) {
        Optional<UUID> task = taskId(ctx);
        Optional<JsonObject> body = task.isPresent() ? JsonBodies.object(ctx) : Optional.empty();
        if (body.isEmpty()) {
            return;
        }
        if (!(body.get().getValue("choice") instanceof String choice) || !CHOICES.contains(choice)) {
            HttpError.fail(ctx, 400, "choice must be one of " + CHOICES);
            return;
        }
        record(ctx, Future.fromCompletionStage(votes.vote(task.get(), ReviewRoutes.reviewer(ctx), choice),
                ctx.vertx().getOrCreateContext()), new JsonObject().put("voted", choice));
    }

    private void skip(RoutingContext ctx) {
        Optional<UUID> task = taskId(ctx);
        Optional<JsonObject> body = task.isPresent() ? JsonBodies.object(ctx) : Optional.empty();
        if (body.isEmpty()) {
            return;
        }
        String reason = body.get().getValue("reason") instanceof String r ? r.strip() : "";
        if (reason.isEmpty() || reason.length() > ReviewRoutes.MAX_REASON) {
            HttpError.fail(ctx, 400, "say why you skip (1 to " + ReviewRoutes.MAX_REASON + " characters)");
            return;
        }
        record(ctx, Future.fromCompletionStage(votes.skip(task.get(), ReviewRoutes.reviewer(ctx), reason),
                ctx.vertx().getOrCreateContext()), new JsonObject().put("skipped", true));
    }

    /** Answers once the vote is stored and its cycle settled (a settling error is logged: the vote stands). */
    private void record(RoutingContext ctx, Future<Long> stored, JsonObject answer) {
        stored.compose(cycle -> gate.settle(cycle)
                        .recover(e -> {
                            log.warn("cycle {}: cannot settle its human evaluation now: {}", cycle, e.getMessage());
                            return Future.succeededFuture(null);
                        }))
                .onSuccess(status -> JsonBodies.reply(ctx, answer))
                .onFailure(e -> ReviewRoutes.fail(ctx, e));
    }
}
