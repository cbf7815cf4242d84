package ai.kaizen.server.feedback;

import ai.kaizen.db.feedback.FeedbackRepository;
import ai.kaizen.db.feedback.PairwiseComparison;
import ai.kaizen.db.feedback.RatingChange;
import ai.kaizen.server.account.Tokens;
import ai.kaizen.server.http.HttpError;
import ai.kaizen.server.metrics.FeedbackMetrics;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionStage;

/**
 * Users' feedback on their answers, however it arrives (the chat page's routes, the API's {@code /v1/feedback}):
 * reads a rating and a pairwise choice from a request body, stores them (every write checks, as it writes, that the
 * answer or comparison is the caller's), counts them, and says what was stored. A future that completes means the
 * feedback is committed; one that fails with an {@link HttpError} carries the status the client gets.
 */
public final class FeedbackService {

    static final int MAX_COMMENT = 2000;

    private final FeedbackRepository feedback;
    private final List<String> reasons;
    private final FeedbackMetrics metrics;

    /** @param reasons the thumbs-down reasons users may pick from */
    public FeedbackService(FeedbackRepository feedback, List<String> reasons, FeedbackMetrics metrics) {
        this.feedback = feedback;
        this.reasons = List.copyOf(reasons);
        this.metrics = metrics;
    }

    /** The thumbs-down reasons users may pick from. */
    public List<String> reasons() {
        return reasons;
    }

    /**
     * Rates one of {@code principal}'s answers from the chat page ({@code body} as {@link #ratingChange} reads it); completes with the
     * rating as stored, {@code {"message_id", "thumbs", "stars", "reasons", "comment"}}. A 400 for a body that says
     * nothing valid, a 404 when the answer is not the caller's.
     */
    public Future<JsonObject> rate(String principal, UUID answer, JsonObject body) {
        RatingChange change;
        try {
            change = ratingChange(body);
        } catch (IllegalArgumentException e) {
            return Future.failedFuture(new HttpError(400, e.getMessage()));
        }
        return onCallersContext(feedback.rateOwnAnswer(answer, principal, change)).compose(rating -> {
            if (rating.isEmpty()) {
                return Future.failedFuture(new HttpError(404, "no such answer"));
            }
            metrics.rating(FeedbackMetrics.Source.page);
            return Future.succeededFuture(RatingJson.of(rating.get()).put("message_id", answer.toString()));
        });
    }

    /**
     * Records {@code principal}'s verdict on a comparison shown to them, {@code {"choice": "a"|"b"|"tie"|"both_bad"}};
     * completes with {@code {"id", "choice", "continuing_message_id", "continues_conversation"}}, the last false for a
     * pair further up than the conversation's end, whose later turns stay (the choice is then a preference only).
     */
    public Future<JsonObject> choose(String principal, UUID comparison, JsonObject body) {
        Optional<PairwiseComparison.Choice> choice = choice(body.getValue("choice"));
        if (choice.isEmpty()) {
            return Future.failedFuture(new HttpError(400, "choice must be one of a, b, tie, both_bad"));
        }
        return onCallersContext(feedback.chooseOwn(comparison, principal, choice.get())).compose(chosen -> {
            if (chosen.isEmpty()) {
                return Future.failedFuture(new HttpError(404, "no such comparison"));
            }
            metrics.choice(FeedbackMetrics.Source.page);
            return Future.succeededFuture(new JsonObject()
                    .put("id", comparison.toString())
                    .put("choice", choice.get().label())
                    .put("continuing_message_id", chosen.get().continuing().toString())
                    .put("continues_conversation", chosen.get().continuesConversation()));
        });
    }

    /** How an API names its answers (e.g. {@code chatcmpl-<id>}). */
    public interface AnswerIds {
        /** The answer {@code value} names; empty when it names none. */
        Optional<UUID> read(Object value);

        /** The name of {@code answer} in responses. */
        String name(UUID answer);
    }

    /**
     * An API client's feedback: {@code {"message_id": ..., "thumbs", "stars", "reasons", "comment"}} and/or a choice
     * against another of its answers to the same prompt, {@code "compared_with": ..., "choice": ...} ({@code a} is
     * {@code message_id}), stored in one transaction, all or nothing. With an idempotency key, a retry gets the first
     * response and stores nothing new ({@link FeedbackRepository#submit}). Fails with a 400 {@link HttpError} for a
     * body that says nothing valid; what the repository refuses is in the outcome.
     */
    public Future<FeedbackRepository.Outcome> submit(String principal, JsonObject body,
                                                     Optional<String> idempotencyKey, AnswerIds ids) {
        Optional<UUID> answer = ids.read(body.getValue("message_id"));
        if (answer.isEmpty()) {
            return Future.failedFuture(new HttpError(400, "message_id must be the id of a completion"));
        }
        JsonObject ratingPart = body.copy();
        ratingPart.remove("message_id");
        Object comparedWith = ratingPart.remove("compared_with");
        Object choiceText = ratingPart.remove("choice");
        Optional<RatingChange> change;
        Optional<UUID> other = Optional.empty();
        Optional<PairwiseComparison.Choice> choice = Optional.empty();
        try {
            change = ratingPart.isEmpty() ? Optional.empty() : Optional.of(ratingChange(ratingPart));
            if (comparedWith != null || choiceText != null) {
                other = ids.read(comparedWith);
                choice = choice(choiceText);
                if (other.isEmpty() || choice.isEmpty() || other.equals(answer)) {
                    throw new IllegalArgumentException("a pairwise choice needs compared_with (another completion "
                            + "id) and choice: a, b, tie or both_bad");
                }
            }
            if (change.isEmpty() && choice.isEmpty()) {
                throw new IllegalArgumentException("say something: thumbs, stars, reasons, comment or a choice");
            }
        } catch (IllegalArgumentException e) {
            return Future.failedFuture(new HttpError(400, e.getMessage()));
        }
        FeedbackRepository.ApiFeedback request = new FeedbackRepository.ApiFeedback(principal, answer.get(), change,
                other, choice, idempotencyKey, Tokens.sha256(String.join("\n", answer.get().toString(),
                String.valueOf(change), String.valueOf(other), String.valueOf(choice))));
        return onCallersContext(feedback.submit(request, written -> {
            JsonObject json = new JsonObject().put("message_id", ids.name(answer.get()));
            written.rating().ifPresent(rating -> json.put("rating", RatingJson.of(rating)));
            written.comparisonId().ifPresent(id -> json.put("comparison_id", id.toString()));
            return json.encode();
        })).onSuccess(outcome -> {
            if (outcome instanceof FeedbackRepository.Outcome.Stored) {
                change.ifPresent(c -> metrics.rating(FeedbackMetrics.Source.api));
                if (request.choice().isPresent()) {
                    metrics.choice(FeedbackMetrics.Source.api);
                }
            } else if (outcome instanceof FeedbackRepository.Outcome.Replayed) {
                metrics.replay();
            }
        });
    }

    /** {@code stage} as a future completed on the caller's Vert.x context (the request's), when there is one. */
    private static <T> Future<T> onCallersContext(CompletionStage<T> stage) {
        Context context = Vertx.currentContext();
        return context == null ? Future.fromCompletionStage(stage) : Future.fromCompletionStage(stage, context);
    }

    private static Optional<PairwiseComparison.Choice> choice(Object value) {
        return value instanceof String s ? PairwiseComparison.Choice.of(s) : Optional.empty();
    }

    /**
     * Reads {@code {"thumbs": 1|-1|0|null, "stars": 1..5|0|null, "reasons": [...], "comment": "..."}}; absent keys
     * leave that part unchanged.
     *
     * @throws IllegalArgumentException naming the field that is wrong
     */
    RatingChange ratingChange(JsonObject body) {
        Optional<Integer> thumbs = optionalInt(body, "thumbs");
        Optional<Integer> stars = optionalInt(body, "stars");
        Optional<List<String>> picked = Optional.empty();
        if (body.containsKey("reasons")) {
            if (!(body.getValue("reasons") instanceof JsonArray array)) {
                throw new IllegalArgumentException("reasons must be a list of strings");
            }
            List<String> list = new ArrayList<>();
            for (Object r : array) {
                if (!(r instanceof String reason) || !reasons.contains(reason)) {
                    throw new IllegalArgumentException("unknown reason " + r + "; allowed: " + reasons);
                }
                if (!list.contains(reason)) {
                    list.add(reason);
                }
            }
            picked = Optional.of(list);
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
        RatingChange change = new RatingChange(thumbs, stars, picked, comment);
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
}
