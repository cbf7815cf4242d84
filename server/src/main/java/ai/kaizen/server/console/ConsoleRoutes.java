package ai.kaizen.server.console;

import ai.kaizen.db.account.Role;
import ai.kaizen.db.audit.AuditLog;
import ai.kaizen.server.config.ServingSettings;
import ai.kaizen.db.comparison.OnlineComparisonRepository;
import ai.kaizen.db.comparison.Tally;
import ai.kaizen.db.cycle.CycleRepository;
import ai.kaizen.db.cycle.FeedbackCounts;
import ai.kaizen.db.cycle.StageMetrics;
import ai.kaizen.db.cycle.TrainingCycle;
import ai.kaizen.db.humaneval.HumanEvalRepository;
import ai.kaizen.db.dataset.DatasetRepository;
import ai.kaizen.db.registry.ModelPromotion;
import ai.kaizen.db.registry.ModelRegistry;
import ai.kaizen.db.registry.ModelVersion;
import ai.kaizen.server.account.Caller;
import ai.kaizen.server.http.Access;
import ai.kaizen.server.http.HttpError;
import ai.kaizen.server.http.JsonBodies;
import ai.kaizen.server.http.Pages;
import ai.kaizen.server.http.Sessions;
import ai.kaizen.server.comparison.HeadToHead;
import ai.kaizen.server.comparison.OnlineComparisons;
import ai.kaizen.server.lifecycle.CycleSchedules;
import ai.kaizen.server.lifecycle.CycleService;
import ai.kaizen.server.lifecycle.GateClearance;
import ai.kaizen.server.lifecycle.ModelLifecycle;
import ai.kaizen.trainer.cycle.CyclePresets;
import ai.kaizen.trainer.cycle.CycleStages;
import ai.kaizen.trainer.cycle.StageKind;
import ai.kaizen.trainer.dataset.DatasetBuilder;
import ai.kaizen.trainer.dataset.JsonlFormats;
import ai.kaizen.trainer.dataset.Split;
import ai.kaizen.trainer.registry.ModelArtifacts;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;

/**
 * The operator console: pages under {@code /console} and their JSON API under {@code /api/console}, every route
 * for operators only. Overview of the feedback, the model registry with promote and roll back, retraining cycles
 * (start, cancel, resume, live progress as server-sent events, the gate's report), the schedule that starts
 * cycles by themselves (a cron expression and/or a count of new preferences), online comparisons of two versions
 * (head-to-head win rate with a 95% interval), dataset versions (export as TRL JSONL) and the audit log.
 */
public final class ConsoleRoutes {

    private final ModelRegistry registry;
    private final ModelLifecycle lifecycle;
    private final CycleService cycleService;
    private final CycleRepository cycles;
    private final FeedbackCounts counts;
    private final AuditLog audit;
    private final Pages pages;
    private final CycleSchedules schedules;
    private final org.hibernate.reactive.stage.Stage.SessionFactory sessions;
    private final DatasetRepository datasets;
    private final OnlineComparisons comparisons;

    public ConsoleRoutes(org.hibernate.reactive.stage.Stage.SessionFactory sessions, ModelRegistry registry,
                         ModelLifecycle lifecycle, CycleService cycleService, CycleSchedules schedules,
                         FeedbackCounts counts, AuditLog audit, Pages pages, OnlineComparisons comparisons) {
        this.sessions = sessions;
        this.datasets = new DatasetRepository(sessions);
        this.registry = registry;
        this.lifecycle = lifecycle;
        this.cycleService = cycleService;
        this.cycles = cycleService.cycles();
        this.counts = counts;
        this.audit = audit;
        this.pages = pages;
        this.comparisons = comparisons;
        this.schedules = schedules;
    }

    public void mount(Router router) {
        router.route("/console").handler(Access.require(Role.OPERATOR));
        router.route("/console/*").handler(Access.require(Role.OPERATOR));
        router.route("/api/console/*").handler(Access.require(Role.OPERATOR));
        router.get("/console").handler(ctx -> pages.render(ctx, 200, "console", Map.of(
                "presets", new java.util.TreeSet<>(CyclePresets.names()),
                "presetDescriptions", CyclePresets.names().stream().collect(java.util.stream.Collectors.toMap(
                        name -> name, CyclePresets::description)),
                "stages", CycleStages.available().stream().sorted().map(StageKind::label).toList())));
        router.get("/console/cycles/:id").handler(ctx -> id(ctx).ifPresent(id ->
                pages.render(ctx, 200, "console-cycle", Map.of("cycleId", id))));
        router.get("/api/console/overview").handler(this::overview);
        router.get("/api/console/models").handler(this::models);
        router.post("/api/console/models/rollback").handler(this::rollback);
        router.post("/api/console/models/:id/promote").handler(this::promote);
        router.put("/api/console/models/:id/engine").handler(this::serveWith);
        router.get("/api/console/cycles").handler(this::listCycles);
        router.post("/api/console/cycles").handler(this::startCycle);
        router.get("/api/console/cycles/:id").handler(this::showCycle);
        router.get("/api/console/cycles/:id/events").handler(ctx -> id(ctx).ifPresent(id ->
                new CycleEvents(ctx, cycles, id).start()));
        router.get("/api/console/cycles/:id/previous-metrics").handler(this::previousMetrics);
        router.post("/api/console/cycles/:id/cancel").handler(ctx -> id(ctx).ifPresent(id ->
                reply(ctx, cycleService.cancel(id, actor(ctx)).map(x -> new JsonObject().put("cancelled", id)))));
        router.get("/api/console/cycles/:id/human-votes").handler(ctx -> id(ctx).ifPresent(id ->
                reply(ctx, Future.fromCompletionStage(new HumanEvalRepository(sessions).votes(id))
                        .map(ConsoleJson::votes))));
        router.post("/api/console/cycles/:id/resume").handler(ctx -> id(ctx).ifPresent(id ->
                reply(ctx, cycleService.resume(id, actor(ctx)).map(x -> new JsonObject().put("resumed", id)))));
        router.get("/api/console/comparisons").handler(this::listComparisons);
        router.post("/api/console/comparisons").handler(this::startComparison);
        router.post("/api/console/comparisons/stop").handler(ctx -> reply(ctx, comparisons.stop()
                .compose(stopped -> Future.fromCompletionStage(audit.record(actor(ctx), "stop_comparison", "{}"))
                        .map(new JsonObject().put("stopped", stopped)))));
        router.get("/api/console/schedule").handler(ctx -> reply(ctx, schedules.current()
                .map(schedule -> ScheduleJson.write(schedule, Instant.now()))));
        router.put("/api/console/schedule").handler(this::setSchedule);
        router.get("/api/console/datasets").handler(ctx -> reply(ctx, Future.fromCompletionStage(datasets.list())
                .map(list -> new JsonArray(list.stream().map(v -> new JsonObject().put("id", v.id())
                        .put("kind", v.kind()).put("created_at", ConsoleJson.text(v.createdAt()))
                        .put("cut_off", ConsoleJson.text(v.cutOff())).put("train", v.trainCount())
                        .put("eval", v.evalCount())).toList()))));
        router.get("/api/console/datasets/:id/export").handler(this::exportDataset);
        router.get("/api/console/audit").handler(ctx -> reply(ctx, Future.fromCompletionStage(audit.newest(100))
                .map(entries -> new JsonArray(entries.stream().map(ConsoleJson::audit).toList()))));
    }

    private void overview(RoutingContext ctx) {
        Instant monthAgo = Instant.now().minus(30, ChronoUnit.DAYS);
        reply(ctx, Future.fromCompletionStage(registry.serving()).compose(serving -> {
            Instant trainedAt = serving.map(ModelVersion::createdAt).orElse(Instant.EPOCH);
            return schedules.current().compose(schedule -> Future.fromCompletionStage(counts.since(Instant.EPOCH))
                    .compose(total -> Future.fromCompletionStage(counts.since(trainedAt))
                            .compose(fresh -> Future.fromCompletionStage(counts.ratingTrend(monthAgo))
                                    .map(trend -> new JsonObject()
                                            .put("serving", serving.map(v -> ConsoleJson.version(v, v.id()))
                                                    .orElse(null))
                                            .put("total", countsJson(total))
                                            .put("since_serving_trained", countsJson(fresh))
                                            .put("min_new_preferences", schedule.newPreferences())
                                            .put("enough_for_cycle", fresh.preferences()
                                                    >= Math.max(1, schedule.newPreferences()))
                                            .put("rating_trend", new JsonArray(trend.stream().map(d ->
                                                    new JsonObject().put("model_version", d.modelVersion())
                                                            .put("day", d.day().toString())
                                                            .put("ratings", d.ratings())
                                                            .put("mean_stars", d.meanStars())
                                                            .put("thumbs_up_share", d.thumbsUpShare()))
                                                    .toList()))))));
        }));
    }

    private static JsonObject countsJson(FeedbackCounts.Counts c) {
        return new JsonObject().put("conversations", c.conversations()).put("ratings", c.ratings())
                .put("pairwise_choices", c.pairwiseChoices()).put("rankings", c.rankings())
                .put("ideal_answers", c.idealAnswers());
    }

    /** Saves the schedule the body asks for (fields left out keep their values) and answers it as saved. */
    private void setSchedule(RoutingContext ctx) {
        JsonBodies.object(ctx).ifPresent(body -> reply(ctx, schedules.current()
                .map(current -> ScheduleJson.read(body, current))
                .compose(wanted -> schedules.save(wanted, actor(ctx)))
                .map(saved -> ScheduleJson.write(saved, Instant.now()))));
    }

    /** The registry: every version (with what its gate said: {@code gate}), the serving one, the history. */
    private void models(RoutingContext ctx) {
        reply(ctx, Future.fromCompletionStage(registry.serving()).compose(serving ->
                Future.fromCompletionStage(registry.list()).compose(versions ->
                        Future.fromCompletionStage(registry.history()).compose(history ->
                                Future.fromCompletionStage(cycles.withCandidates()).map(candidates -> new JsonObject()
                                .put("serving_version_id", serving.map(ModelVersion::id).orElse(null))
                                .put("versions", new JsonArray(versions.stream().map(v ->
                                        ConsoleJson.version(v, serving.map(ModelVersion::id).orElse(null))
                                                .put("gate", GateClearance.of(v, candidates.stream()
                                                        .filter(c -> v.id().equals(c.candidateVersionId()))
                                                        .findFirst()).gate())).toList()))
                                .put("history", new JsonArray(history.stream().map(ConsoleJson::promotion)
                                        .toList()))
                                .put("rollback_to", ModelRegistry.rollbackTarget(history).orElse(null)))))));
    }

    /**
     * Promotes a version. One whose evaluation gate did not pass it ({@link GateClearance}) needs
     * {@code {"override_reason": "..."}}: without it the answer is 409 saying why; with it the promotion goes ahead
     * and is audited as {@code promote_override} with the reason and the gate's verdict.
     */
    private void promote(RoutingContext ctx) {
        Optional<Long> version = id(ctx);
        JsonObject body = version.isEmpty() ? null : optionalObject(ctx);
        if (body == null) {
            return;
        }
        Object given = body.getValue(GateClearance.OVERRIDE_REASON);
        if (given != null && !(given instanceof String text && !text.isBlank())) {
            HttpError.fail(ctx, 400, GateClearance.OVERRIDE_REASON + " must be a non-empty text");
            return;
        }
        String overrideReason = given == null ? null : ((String) given).strip();
        long id = version.get();
        reply(ctx, Future.fromCompletionStage(registry.find(id)).compose(found -> {
            ModelVersion v = found.orElseThrow(() -> new NoSuchElementException("no model version " + id));
            return Future.fromCompletionStage(cycles.findByCandidate(id)).compose(cycle -> {
                GateClearance clearance = GateClearance.of(v, cycle);
                JsonObject details = new JsonObject().put("model_version_id", id).put("gate", clearance.gate());
                if (overrideReason != null) {
                    details.put(GateClearance.OVERRIDE_REASON, overrideReason);
                }
                if (clearance.needsOverride()) {
                    if (overrideReason == null) {
                        return Future.failedFuture(new HttpError(409, clearance.refusal()));
                    }
                    return change(ctx, id, ModelPromotion.Action.promote, "promote_override", details);
                }
                return change(ctx, id, ModelPromotion.Action.promote, "promote", details);
            });
        }));
    }

    /**
     * Names the engine that serves a version and its name there: {@code {"engine": "local"|"openai"|null,
     * "engine_model": "name"|null}} (null follows {@code serving.engine} and {@code serving.engine-model}). Where the
     * version serves now, this instance switches to the new engine or name at once (a hot swap: the next answers
     * name the new {@code model}); other instances at their next switch.
     */
    private void serveWith(RoutingContext ctx) {
        Optional<Long> version = id(ctx);
        if (version.isEmpty()) {
            return;
        }
        JsonBodies.object(ctx).ifPresent(body -> {
            Object engine = body.getValue("engine");
            Object name = body.getValue("engine_model");
            if (engine != null && !(engine instanceof String e && ServingSettings.Engine.of(e).isPresent())) {
                HttpError.fail(ctx, 400, "engine must be local, openai or null");
                return;
            }
            if (name != null && !(name instanceof String n && !n.isBlank() && n.strip().length() <= 200)) {
                HttpError.fail(ctx, 400, "engine_model must be a non-empty text of at most 200 characters, or null");
                return;
            }
            try {
                lifecycle.checkEngine((String) engine);
            } catch (ModelLifecycle.EngineNotConfigured e) {
                HttpError.fail(ctx, 409, e.getMessage());
                return;
            }
            long id = version.get();
            String engineModel = name == null ? null : ((String) name).strip();
            reply(ctx, Future.fromCompletionStage(registry.serveWith(id, (String) engine, engineModel))
                    .map(found -> found.orElseThrow(() -> new NoSuchElementException("no model version " + id)))
                    .compose(v -> Future.fromCompletionStage(audit.record(actor(ctx), "serve_with",
                                    new JsonObject().put("model_version_id", id).put("engine", engine)
                                            .put("engine_model", engineModel).encode()))
                            .compose(audited -> lifecycle.serveRegistered())
                            .compose(served -> Future.fromCompletionStage(registry.serving()))
                            .map(serving -> ConsoleJson.version(v, serving.map(ModelVersion::id).orElse(null)))));
        });
    }

    /**
     * Rolls back to {@code version_id} when given (a version that served before: 409 otherwise), else to the version that served before the promotion in force
     * ({@link ModelRegistry#rollbackTarget}: a second rollback goes one step further back, not forth again).
     */
    private void rollback(RoutingContext ctx) {
        JsonObject body = optionalObject(ctx);
        if (body == null) {
            return;
        }
        Object target = body.getValue("version_id");
        if (target != null && !(target instanceof Number)) {
            HttpError.fail(ctx, 400, "version_id must be a number");
            return;
        }
        Future<Long> version = target != null ? servedBefore(((Number) target).longValue())
                : Future.fromCompletionStage(registry.previousServing()).map(previous -> previous
                .map(ModelVersion::id).orElseThrow(() -> new HttpError(409, "there is no earlier version to roll back to")));
        reply(ctx, version.compose(id -> change(ctx, id, ModelPromotion.Action.rollback, "rollback",
                new JsonObject().put("model_version_id", id))));
    }

    /**
     * A rollback goes back to a version that served before; any other version must go through {@link #promote}, so
     * that a candidate its gate did not pass cannot be served by "rolling back" to it without an override.
     */
    private Future<Long> servedBefore(long id) {
        return Future.fromCompletionStage(registry.history()).map(history -> {
            if (history.stream().noneMatch(p -> p.modelVersionId() == id)) {
                throw new HttpError(409, "version " + id + " has never served, so there is nothing to roll back to: "
                        + "promote it instead (a version its evaluation gate did not pass needs "
                        + GateClearance.OVERRIDE_REASON + ")");
            }
            return id;
        });
    }

    /**
     * Loads the version here (checksum checked), records the promotion (every other instance hears of it and
     * switches too), swaps it in, and audits it as {@code auditAction} with {@code details}.
     */
    private Future<JsonObject> change(RoutingContext ctx, long id, ModelPromotion.Action action, String auditAction,
                                      JsonObject details) {
        String actor = actor(ctx);
        ModelPromotion[] recorded = new ModelPromotion[1];
        return Future.fromCompletionStage(registry.serving()).compose(previous -> lifecycle.switchTo(id, () ->
                                Future.fromCompletionStage(registry.promote(id, action, actor))
                                        .onSuccess(promotion -> recorded[0] = promotion))
                        .compose(swapped -> Future.fromCompletionStage(audit.record(actor, auditAction,
                                details.encode())))
                        // the running comparison's baseline no longer serves; a promotion starts the next one
                        .compose(audited -> comparisons.afterChange(previous, id,
                                action == ModelPromotion.Action.promote, actor)))
                .map(x -> ConsoleJson.promotion(recorded[0]));
    }

    /**
     * The online comparisons, newest first, each with its head-to-head result so far; the running one first, with
     * whether this instance has its challenger loaded.
     */
    private void listComparisons(RoutingContext ctx) {
        OnlineComparisonRepository repository = comparisons.repository();
        int minVotes = comparisons.settings().minVotes();
        reply(ctx, Future.fromCompletionStage(repository.newest(20)).compose(list -> {
            // One query after the other: a Hibernate Reactive session serves one query at a time.
            JsonArray rows = new JsonArray();
            Future<Void> tallied = Future.succeededFuture();
            for (var c : list) {
                tallied = tallied.compose(x -> Future.fromCompletionStage(repository.tally(c.baselineLabel(),
                                c.challengerLabel(), c.startedAt(), c.endedAt()))
                        .map(tally -> {
                            rows.add(ConsoleJson.comparison(c, HeadToHead.of(tally, minVotes)));
                            return null;
                        }));
            }
            return tallied.map(all -> new JsonObject()
                    .put("comparisons", rows)
                    .put("challenger_ready", comparisons.challengerReady())
                    .put("default_share", comparisons.settings().share())
                    .put("after_promotion", comparisons.settings().afterPromotion()));
        }));
    }

    /** Starts comparing {@code version_id} with the serving version, on {@code share} of the pairwise choices. */
    private void startComparison(RoutingContext ctx) {
        JsonBodies.object(ctx).ifPresent(body -> {
            Object version = body.getValue("version_id");
            Object share = body.getValue("share");
            if (!(version instanceof Number)) {
                HttpError.fail(ctx, 400, "version_id must be a number");
                return;
            }
            if (share != null && !(share instanceof Number n && n.doubleValue() > 0 && n.doubleValue() <= 1)) {
                HttpError.fail(ctx, 400, "share must be a number above 0 and at most 1");
                return;
            }
            long id = ((Number) version).longValue();
            String actor = actor(ctx);
            comparisons.start(id, share == null ? null : ((Number) share).doubleValue(), "started by " + actor, actor)
                    .compose(started -> Future.fromCompletionStage(audit.record(actor, "start_comparison",
                                    new JsonObject().put("comparison_id", started.id()).put("model_version_id", id)
                                            .put("share", started.share()).encode()))
                            .map(started))
                    .onSuccess(started -> ctx.response().setStatusCode(201)
                            .putHeader("Content-Type", "application/json")
                            .end(ConsoleJson.comparison(started,
                                    HeadToHead.of(Tally.NONE, comparisons.settings().minVotes())).encode()))
                    .onFailure(e -> fail(ctx, e));
        });
    }

    /**
     * One split ({@code ?split=train}, the default, or {@code eval}) of a recorded dataset version, rebuilt exactly
     * from its items, as TRL JSONL (messages; prompt/chosen/rejected; prompt/completion/label).
     */
    private void exportDataset(RoutingContext ctx) {
        Optional<Long> id = id(ctx);
        if (id.isEmpty()) {
            return;
        }
        Split split;
        try {
            split = Split.of(Optional.ofNullable(ctx.request().getParam("split")).orElse("train"));
        } catch (IllegalArgumentException e) {
            HttpError.fail(ctx, 400, "split must be train or eval");
            return;
        }
        Future.fromCompletionStage(new DatasetBuilder(sessions).rebuild(id.get()))
                .onSuccess(dataset -> {
                    java.io.StringWriter out = new java.io.StringWriter();
                    JsonlFormats.write(dataset.kind(), split == Split.TRAIN ? dataset.train() : dataset.eval(), out);
                    ctx.response().putHeader("Content-Type", "application/jsonl; charset=utf-8")
                            .putHeader("Content-Disposition", "attachment; filename=\"dataset-" + id.get() + "-"
                                    + split.label() + ".jsonl\"")
                            .end(out.toString());
                    audit.record(actor(ctx), "export_dataset", new JsonObject().put("dataset_version_id", id.get())
                            .put("split", split.label()).encode());
                })
                .onFailure(e -> fail(ctx, e));
    }

    private void listCycles(RoutingContext ctx) {
        reply(ctx, Future.fromCompletionStage(cycles.newest(50))
                .map(list -> new JsonArray(list.stream().map(ConsoleJson::cycle).toList())));
    }

    private void startCycle(RoutingContext ctx) {
        JsonBodies.object(ctx).ifPresent(request -> cycleService.start(request, actor(ctx))
                .onSuccess(cycle -> ctx.response().setStatusCode(201)
                        .putHeader("Content-Type", "application/json")
                        .putHeader("Location", "/api/console/cycles/" + cycle.id())
                        .end(ConsoleJson.cycle(cycle).encode()))
                .onFailure(e -> fail(ctx, e)));
    }

    private void showCycle(RoutingContext ctx) {
        id(ctx).ifPresent(id -> reply(ctx, Future.fromCompletionStage(cycles.find(id)).map(found -> ConsoleJson
                .cycle(found.orElseThrow(() -> new NoSuchElementException("no cycle " + id))))));
    }

    /**
     * What the newest earlier cycle logged in the stage {@code ?stage=} (the console draws it under this cycle's
     * chart): {@code {"stage", "cycle_id", "metrics"}}, the id null and the metrics empty when no earlier cycle ran
     * the stage.
     */
    private void previousMetrics(RoutingContext ctx) {
        id(ctx).ifPresent(id -> {
            String stage = ctx.queryParams().get("stage");
            try {
                StageKind.parse(stage);
            } catch (IllegalArgumentException e) {
                HttpError.fail(ctx, 400, stage == null ? "the query parameter stage is missing" : e.getMessage());
                return;
            }
            reply(ctx, Future.fromCompletionStage(cycles.find(id)).compose(found -> {
                found.orElseThrow(() -> new NoSuchElementException("no cycle " + id));
                return Future.fromCompletionStage(cycles.previousStageMetrics(id, stage));
            }).map(previous -> new JsonObject().put("stage", stage)
                    .put("cycle_id", previous.map(StageMetrics::cycleId).orElse(null))
                    .put("metrics", ConsoleJson.metrics(previous.map(StageMetrics::metrics).orElse(List.of())))));
        });
    }

    private static String actor(RoutingContext ctx) {
        Caller caller = Sessions.caller(ctx).orElseThrow();
        return caller.userName().orElse(caller.principal());
    }

    /**
     * A body that may be left out: an empty object when there is none, else the JSON object it must be (null when
     * it is not one, the context then failed with 400).
     */
    private static JsonObject optionalObject(RoutingContext ctx) {
        // RequestBody.length() is -1, not 0, for a request without a body
        boolean none = ctx.body() == null || ctx.body().buffer() == null || ctx.body().buffer().length() == 0;
        return none ? new JsonObject() : JsonBodies.object(ctx).orElse(null);
    }

    private static Optional<Long> id(RoutingContext ctx) {
        String text = ctx.pathParam("id");
        try {
            long id = Long.parseLong(text);
            if (id > 0) {
                return Optional.of(id);
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        HttpError.fail(ctx, 400, "'" + text + "' is not a valid id");
        return Optional.empty();
    }

    private static void reply(RoutingContext ctx, Future<?> body) {
        body.onSuccess(value -> JsonBodies.reply(ctx, value)).onFailure(e -> fail(ctx, e));
    }

    /** Known failures as 4xx with their one-line message; anything else is a 500 (logged, never shown). */
    private static void fail(RoutingContext ctx, Throwable failure) {
        for (Throwable e = failure; e != null; e = e.getCause() == e ? null : e.getCause()) {
            if (e instanceof NoSuchElementException
                    || e instanceof IllegalArgumentException && String.valueOf(e.getMessage())
                    .startsWith("no model version")) {
                HttpError.fail(ctx, 404, e.getMessage());
                return;
            } else if (e instanceof CycleService.InvalidRequest || e instanceof ScheduleJson.Invalid) {
                HttpError.fail(ctx, 400, e.getMessage());
                return;
            } else if (e instanceof CycleService.Conflict || e instanceof CycleRepository.AlreadyActive
                    || e instanceof OnlineComparisons.Conflict
                    || e instanceof ModelArtifacts.ChecksumMismatch
                    || e instanceof ModelLifecycle.EngineNotConfigured) {
                HttpError.fail(ctx, 409, e.getMessage());
                return;
            } else if (e instanceof HttpError error) {
                HttpError.fail(ctx, error.status(), error.getMessage());
                return;
            }
        }
        ctx.fail(500, failure);
    }
}
