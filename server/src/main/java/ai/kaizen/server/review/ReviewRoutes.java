package ai.kaizen.server.review;

import ai.kaizen.db.account.Role;
import ai.kaizen.db.account.User;
import ai.kaizen.db.account.UserRepository;
import ai.kaizen.db.chat.Message;
import ai.kaizen.db.review.Labels;
import ai.kaizen.db.review.Ranking;
import ai.kaizen.db.review.ReviewContext;
import ai.kaizen.db.review.ReviewException;
import ai.kaizen.db.review.ReviewRepository;
import ai.kaizen.db.review.ReviewTask;
import ai.kaizen.db.review.ReviewWork;
import ai.kaizen.server.account.Caller;
import ai.kaizen.server.http.Access;
import ai.kaizen.server.http.HttpError;
import ai.kaizen.server.http.JsonBodies;
import ai.kaizen.server.http.Pages;
import ai.kaizen.server.http.Sessions;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.UUID;

/**
 * The reviewer workspace: the pages ({@code GET /review?kind=rank|ideal|label|compare}, {@code GET /review/agreement}) and its JSON API under {@code /api/review}, for reviewers
 * and operators only. A reviewer's work is theirs alone: every call is scoped to the signed-in reviewer.
 *
 * <ul>
 *     <li>{@code GET /api/review/next?kind=rank|ideal|label}: the reviewer's next task of that kind (rank by default) (their open one first), or
 *     {@code {"task": null}} when the queue is empty; never waits for the model.</li>
 *     <li>{@code GET /api/review/last}: their latest submission still open to change (the E key).</li>
 *     <li>{@code PUT /api/review/work/{id}/draft} {@code {"draft": {...}}}: keeps unsubmitted state across reloads.</li>
 *     <li>{@code POST /api/review/work/{id}/ranking} {@code {"ranking": [{"message_id", "rank", "unacceptable"}]}}.</li>
 *     <li>{@code POST /api/review/work/{id}/ideal} {@code {"answer": "..."}}: the ideal answer of an ideal task.</li>
 *     <li>{@code POST /api/review/work/{id}/labels} {@code {"labels": {"helpfulness": 1-5, "correctness": 1-5,
 *     "tone": 1-5, "flags": ["personal_data", "unsafe", "off_topic"]}}}: the verdict of a label task.</li>
 *     <li>{@code POST /api/review/work/{id}/skip} {@code {"reason": "..."}}.</li>
 *     <li>{@code GET /api/review/progress?kind=...}: {@code {"done": {"rank": n, "ideal": n, "label": n,
 *     "compare": n}, "remaining": n}}: what the caller has submitted of every kind, and how many tasks of
 *     {@code kind} they may still do now.</li>
 *     <li>{@code GET /api/review/agreement}: agreement and throughput; operators see everyone, reviewers themselves.</li>
 *     <li>{@code kind=compare}: the evaluation gate's blind comparisons, see {@link BlindComparisons}.</li>
 * </ul>
 */
public final class ReviewRoutes {

    static final int MAX_REASON = 200;
    static final int MAX_IDEAL_CHARS = 8000;
    static final int MAX_DRAFT_CHARS = 20_000;
    static final int MOST_DISPUTED = 20;

    private final ReviewRepository reviews;
    private final UserRepository users;
    private final Pages pages;
    private final ReviewSettings settings;
    private final Guidelines guidelines;
    private final BlindComparisons comparisons;

    public ReviewRoutes(ReviewRepository reviews, UserRepository users, Pages pages, ReviewSettings settings,
                        Guidelines guidelines, BlindComparisons comparisons) {
        this.reviews = reviews;
        this.users = users;
        this.pages = pages;
        this.settings = settings;
        this.guidelines = guidelines;
        this.comparisons = comparisons;
    }

    /** The page's modes: the three kinds of review task, and the evaluation gate's blind comparisons. */
    private static final String COMPARE = "compare";

    public void mount(Router router) {
        router.route("/review").handler(Access.require(Role.REVIEWER));
        router.route("/api/review/*").handler(Access.require(Role.REVIEWER));
        router.get("/review").handler(ctx -> {
            Optional<String> kind = COMPARE.equals(ctx.queryParams().get("kind")) ? Optional.of(COMPARE)
                    : kind(ctx).map(ReviewTask.Kind::label);
            kind.ifPresent(k -> pages.render(ctx, 200, "review", Map.of(
                    "kind", k, "guidelines", guidelines.sections(), "candidates", settings.candidates(),
                    "editMinutes", settings.editWindow().toMinutes())));
        });
        router.get("/review/agreement").handler(Access.require(Role.REVIEWER)).handler(ctx -> pages.render(ctx, 200,
                "review-agreement", Map.of("operator", Sessions.caller(ctx).orElseThrow().may(Role.OPERATOR))));
        router.get("/api/review/next").handler(this::next);
        router.get("/api/review/last").handler(this::last);
        router.put("/api/review/work/:id/draft").handler(this::draft);
        router.post("/api/review/work/:id/ranking").handler(this::rank);
        router.post("/api/review/work/:id/ideal").handler(this::ideal);
        router.post("/api/review/work/:id/labels").handler(this::label);
        router.post("/api/review/work/:id/skip").handler(this::skip);
        router.get("/api/review/agreement").handler(this::agreement);
        router.get("/api/review/progress").handler(this::progress);
        comparisons.mount(router);
    }

    static String reviewer(RoutingContext ctx) {
        return Sessions.caller(ctx).orElseThrow().principal();
    }

    private void next(RoutingContext ctx) {
        if (COMPARE.equals(ctx.queryParams().get("kind"))) {
            comparisons.next(ctx, reviewer(ctx));
            return;
        }
        kind(ctx).ifPresent(kind -> reply(ctx, Future.fromCompletionStage(reviews.next(reviewer(ctx), kind),
                ctx.vertx().getOrCreateContext())));
    }

    private void last(RoutingContext ctx) {
        if (COMPARE.equals(ctx.queryParams().get("kind"))) {
            HttpError.fail(ctx, 400, "a comparison vote is final: there is nothing to change");
            return;
        }
        kind(ctx).ifPresent(kind -> reply(ctx, Future.fromCompletionStage(reviews.lastEditable(reviewer(ctx), kind),
                ctx.vertx().getOrCreateContext())));
    }

    /** The {@code kind} query parameter: {@code rank} (the default) or {@code ideal}; anything else is a 400. */
    private static Optional<ReviewTask.Kind> kind(RoutingContext ctx) {
        String kind = ctx.queryParams().get("kind");
        if (kind == null || kind.equals("rank")) {
            return Optional.of(ReviewTask.Kind.RANK);
        }
        if (kind.equals("ideal")) {
            return Optional.of(ReviewTask.Kind.IDEAL);
        }
        if (kind.equals("label")) {
            return Optional.of(ReviewTask.Kind.LABEL);
        }
        HttpError.fail(ctx, 400, "kind must be rank, ideal, label or compare");
        return Optional.empty();
    }

    /** Answers with the work and its conversation, or {@code {"task": null}}. */
    private void reply(RoutingContext ctx, Future<Optional<ReviewWork>> found) {
        found.compose(work -> work.isEmpty() ? Future.succeededFuture(new JsonObject().putNull("task"))
                        : Future.fromCompletionStage(reviews.context(work.get().task().promptMessageId(),
                                messagesOf(work.get())), ctx.vertx().getOrCreateContext())
                        .map(context -> toJson(work.get(), context)))
                .onSuccess(json -> JsonBodies.reply(ctx, json))
                .onFailure(e -> fail(ctx, e));
    }

    private Optional<Long> workId(RoutingContext ctx) {
        try {
            return Optional.of(Long.parseLong(ctx.pathParam("id")));
        } catch (NumberFormatException e) {
            HttpError.fail(ctx, 400, "'" + ctx.pathParam("id") + "' is not a work id");
            return Optional.empty();
        }
    }

    private void draft(RoutingContext ctx) {
        Optional<Long> id = workId(ctx);
        Optional<JsonObject> body = id.isPresent() ? JsonBodies.object(ctx) : Optional.empty();
        if (body.isEmpty()) {
            return;
        }
        if (!(body.get().getValue("draft") instanceof JsonObject draft)) {
            HttpError.fail(ctx, 400, "draft must be a JSON object");
            return;
        }
        String json = draft.encode();
        if (json.length() > MAX_DRAFT_CHARS) {
            HttpError.fail(ctx, 413, "the draft is larger than " + MAX_DRAFT_CHARS + " characters");
            return;
        }
        Future.fromCompletionStage(reviews.saveDraft(id.get(), reviewer(ctx), json), ctx.vertx().getOrCreateContext())
                .onSuccess(saved -> JsonBodies.reply(ctx, new JsonObject().put("saved", true)))
                .onFailure(e -> fail(ctx, e));
    }

    private void rank(RoutingContext ctx) {
        Optional<Long> id = workId(ctx);
        Optional<JsonObject> body = id.isPresent() ? JsonBodies.object(ctx) : Optional.empty();
        if (body.isEmpty()) {
            return;
        }
        Ranking ranking;
        try {
            if (!(body.get().getValue("ranking") instanceof JsonArray array)) {
                throw new IllegalArgumentException("ranking must be a list of {message_id, rank, unacceptable}");
            }
            ranking = Ranking.fromJson(array);
        } catch (IllegalArgumentException e) {
            HttpError.fail(ctx, 400, e.getMessage());
            return;
        }
        Future.fromCompletionStage(reviews.submitRanking(id.get(), reviewer(ctx), ranking, settings.editWindow()),
                        ctx.vertx().getOrCreateContext())
                .onSuccess(work -> JsonBodies.reply(ctx, new JsonObject()
                        .put("work_id", work.assignment().id())
                        .put("ranking", ranking.toJson())
                        .put("pairs", ranking.pairs().size())
                        .put("edit_until", work.assignment().editUntil().map(Object::toString).orElse(null))))
                .onFailure(e -> fail(ctx, e));
    }

    /** The candidates, and the ideal answer when there is one. */
    private static List<UUID> messagesOf(ReviewWork work) {
        List<UUID> ids = new ArrayList<>(work.task().candidateIds());
        work.assignment().idealMessageId().ifPresent(ids::add);
        return ids;
    }

    private void ideal(RoutingContext ctx) {
        Optional<Long> id = workId(ctx);
        Optional<JsonObject> body = id.isPresent() ? JsonBodies.object(ctx) : Optional.empty();
        if (body.isEmpty()) {
            return;
        }
        String answer = body.get().getValue("answer") instanceof String a ? a.strip() : "";
        if (answer.isEmpty() || answer.length() > MAX_IDEAL_CHARS) {
            HttpError.fail(ctx, 400, "answer must be text of 1 to " + MAX_IDEAL_CHARS + " characters");
            return;
        }
        Future.fromCompletionStage(reviews.submitIdealAnswer(id.get(), reviewer(ctx), answer, settings.editWindow()),
                        ctx.vertx().getOrCreateContext())
                .onSuccess(work -> JsonBodies.reply(ctx, new JsonObject()
                        .put("work_id", work.assignment().id())
                        .put("message_id", work.assignment().idealMessageId().map(UUID::toString).orElse(null))
                        .put("edit_until", work.assignment().editUntil().map(Object::toString).orElse(null))))
                .onFailure(e -> fail(ctx, e));
    }

    private void label(RoutingContext ctx) {
        Optional<Long> id = workId(ctx);
        Optional<JsonObject> body = id.isPresent() ? JsonBodies.object(ctx) : Optional.empty();
        if (body.isEmpty()) {
            return;
        }
        Labels labels;
        try {
            if (!(body.get().getValue("labels") instanceof JsonObject json)) {
                throw new IllegalArgumentException("labels must be an object of helpfulness, correctness, tone, flags");
            }
            labels = Labels.fromJson(json);
        } catch (IllegalArgumentException e) {
            HttpError.fail(ctx, 400, e.getMessage());
            return;
        }
        Future.fromCompletionStage(reviews.submitLabels(id.get(), reviewer(ctx), labels, settings.editWindow()),
                        ctx.vertx().getOrCreateContext())
                .onSuccess(work -> JsonBodies.reply(ctx, new JsonObject().put("work_id", work.assignment().id())
                        .put("labels", labels.toJson())
                        .put("edit_until", work.assignment().editUntil().map(Object::toString).orElse(null))))
                .onFailure(e -> fail(ctx, e));
    }

    private void skip(RoutingContext ctx) {
        Optional<Long> id = workId(ctx);
        Optional<JsonObject> body = id.isPresent() ? JsonBodies.object(ctx) : Optional.empty();
        if (body.isEmpty()) {
            return;
        }
        String reason = body.get().getValue("reason") instanceof String r ? r.strip() : "";
        if (reason.isEmpty() || reason.length() > MAX_REASON) {
            HttpError.fail(ctx, 400, "say why you skip (1 to " + MAX_REASON + " characters)");
            return;
        }
        Future.fromCompletionStage(reviews.skip(id.get(), reviewer(ctx), reason), ctx.vertx().getOrCreateContext())
                .onSuccess(work -> JsonBodies.reply(ctx, new JsonObject().put("skipped", true)))
                .onFailure(e -> fail(ctx, e));
    }

    private void progress(RoutingContext ctx) {
        String reviewer = reviewer(ctx);
        boolean compare = COMPARE.equals(ctx.queryParams().get("kind"));
        Optional<ReviewTask.Kind> kind = compare ? Optional.empty() : kind(ctx);
        if (!compare && kind.isEmpty()) {
            return;
        }
        var context = ctx.vertx().getOrCreateContext();
        // one query after the other: a request's queries share one session
        Future.fromCompletionStage(reviews.submittedBy(reviewer), context)
                .compose(done -> comparisons.votesBy(reviewer, context).compose(votes -> (compare
                        ? comparisons.remainingFor(reviewer, context)
                        : Future.fromCompletionStage(reviews.remainingFor(reviewer, kind.get()), context))
                        .map(remaining -> {
                            JsonObject counts = new JsonObject();
                            for (ReviewTask.Kind k : ReviewTask.Kind.values()) {
                                counts.put(k.label(), done.getOrDefault(k, 0L));
                            }
                            return new JsonObject().put("done", counts.put(COMPARE, votes))
                                    .put("remaining", remaining);
                        })))
                .onSuccess(json -> JsonBodies.reply(ctx, json))
                .onFailure(e -> fail(ctx, e));
    }

    private void agreement(RoutingContext ctx) {
        Caller caller = Sessions.caller(ctx).orElseThrow();
        boolean all = caller.may(Role.OPERATOR);
        Future.fromCompletionStage(reviews.submitted(ReviewTask.Kind.RANK), ctx.vertx().getOrCreateContext())
                .compose(work -> (all ? Future.fromCompletionStage(users.list(), ctx.vertx().getOrCreateContext())
                        : Future.succeededFuture(List.<User>of()))
                        .map(list -> {
                            Map<String, String> names = new HashMap<>();
                            list.forEach(u -> names.put("user:" + u.id(), u.name()));
                            caller.userName().ifPresent(n -> names.put(caller.principal(), n));
                            return agreementJson(work, names, all ? Optional.empty() : Optional.of(caller.principal()))
                                    .put("you", caller.principal());
                        }))
                .onSuccess(json -> JsonBodies.reply(ctx, json))
                .onFailure(e -> fail(ctx, e));
    }

    /** Agreement and throughput; with {@code only} set, that reviewer's row and nothing about anyone else. */
    static JsonObject agreementJson(List<ReviewWork> work, Map<String, String> names, Optional<String> only) {
        List<Agreement.Judgement> judgements = new ArrayList<>();
        Map<String, List<Float>> seconds = new java.util.TreeMap<>();
        for (ReviewWork w : work) {
            w.assignment().ranking().ifPresent(r ->
                    judgements.add(new Agreement.Judgement(w.task().id(), w.assignment().reviewer(), r)));
            seconds.computeIfAbsent(w.assignment().reviewer(), r -> new ArrayList<>());
            w.assignment().seconds().ifPresent(s -> seconds.get(w.assignment().reviewer()).add(s));
        }
        Map<String, OptionalDouble> majority = Agreement.withMajority(judgements);
        JsonArray reviewers = new JsonArray();
        seconds.forEach((reviewer, times) -> {
            if (only.isPresent() && !only.get().equals(reviewer)) {
                return;
            }
            reviewers.add(new JsonObject()
                    .put("reviewer", reviewer)
                    .put("name", names.getOrDefault(reviewer, reviewer))
                    .put("tasks", judgements.stream().filter(j -> j.reviewer().equals(reviewer)).count())
                    .put("median_seconds", number(Agreement.median(times)))
                    .put("alpha", number(Agreement.alpha(Agreement.onTasksOf(reviewer, judgements))))
                    .put("with_majority", number(majority.getOrDefault(reviewer, OptionalDouble.empty()))));
        });
        JsonObject json = new JsonObject().put("reviewers", reviewers);
        if (only.isEmpty()) {
            JsonArray disputed = new JsonArray();
            Agreement.disagreement(judgements, MOST_DISPUTED).forEach(e -> disputed.add(new JsonObject()
                    .put("task_id", e.getKey().toString()).put("disagreement", e.getValue())));
            json.put("overall", new JsonObject()
                            .put("alpha", number(Agreement.alpha(judgements)))
                            .put("pairwise", number(Agreement.pairwise(judgements)))
                            .put("judgements", judgements.size())
                            .put("tasks", judgements.stream().map(Agreement.Judgement::taskId).distinct().count()))
                    .put("most_disputed", disputed);
        }
        return json;
    }

    private static Double number(OptionalDouble value) {
        return value.isPresent() ? value.getAsDouble() : null;
    }

    static JsonObject toJson(ReviewWork work, ReviewContext context) {
        JsonArray history = new JsonArray();
        for (Message m : context.history()) {
            history.add(new JsonObject().put("role", m.role().name()).put("content", m.content()));
        }
        JsonArray candidates = new JsonArray();
        List<UUID> ids = work.task().candidateIds();
        for (int i = 0; i < ids.size(); i++) {
            Message m = context.answers().get(ids.get(i));
            candidates.add(new JsonObject().put("message_id", ids.get(i).toString()).put("key", i + 1)
                    .put("content", m == null ? "(this answer was deleted)" : m.content()));
        }
        return new JsonObject().put("task", new JsonObject()
                .put("work_id", work.assignment().id())
                .put("task_id", work.task().id().toString())
                .put("kind", work.task().kind().label())
                .put("priority", work.task().priority().name().toLowerCase(java.util.Locale.ROOT))
                .put("status", work.assignment().status().label())
                .put("system_prompt", context.conversation() == null ? "" : context.conversation().systemPrompt())
                .put("history", history)
                .put("candidates", candidates)
                .put("draft", work.assignment().draft().map(JsonObject::new).orElse(null))
                .put("ranking", work.assignment().ranking().map(Ranking::toJson).orElse(null))
                .put("labels", work.assignment().labels().map(Labels::toJson).orElse(null))
                .put("ideal_answer", work.assignment().idealMessageId().map(context.answers()::get)
                        .map(Message::content).orElse(null))
                .put("edit_until", work.assignment().editUntil().map(Object::toString).orElse(null)));
    }

    static void fail(RoutingContext ctx, Throwable e) {
        Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                ? e.getCause() : e;
        if (cause instanceof ReviewException r) {
            HttpError.fail(ctx, r.status(), r.getMessage());
        } else {
            ctx.fail(cause);
        }
    }
}
