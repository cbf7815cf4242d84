package ai.kaizen.server.lifecycle;

import ai.kaizen.server.http.OwnContext;
import ai.kaizen.db.audit.AuditLog;
import ai.kaizen.db.cycle.CycleRepository;
import ai.kaizen.db.cycle.TrainingCycle;
import ai.kaizen.trainer.cycle.CyclePresets;
import ai.kaizen.trainer.cycle.CycleRunner;
import ai.kaizen.trainer.cycle.GateThresholds;
import ai.kaizen.trainer.cycle.HumanEvalSettings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Starts, cancels and resumes retraining cycles, and watches their trainers: a trainer whose process ended
 * before its cycle did, or whose heartbeat is older than the timeout, gets its cycle marked failed with the
 * reason (and can then be resumed from its finished stages and last checkpoint). Every operator action goes to
 * the audit log.
 */
public final class CycleService implements AutoCloseable {

    /** A request that cannot run as asked (400). */
    public static final class InvalidRequest extends RuntimeException {
        private static final long serialVersionUID = 1L;

        InvalidRequest(String message) {
            super(message, null, false, false);
        }
    }

    /** The cycle is not in a state that allows the action (409). */
    public static final class Conflict extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Conflict(String message) {
            super(message, null, false, false);
        }
    }

    private static final Logger log = LoggerFactory.getLogger(CycleService.class);

    private final Vertx vertx;
    private final CycleRepository cycles;
    private final AuditLog audit;
    private final TrainerLauncher launcher;
    private final Duration heartbeatTimeout;
    private final HumanEvaluationGate humanGate;
    private final Map<Long, TrainerLauncher.Job> jobs = new ConcurrentHashMap<>();
    private final long watchdog;
    private final long humanWatch;

    /**
     * @param humanGate ends cycles that awaited reviewers' votes; checked as often as the heartbeats, on a timer of
     *                  its own
     */
    public CycleService(Vertx vertx, CycleRepository cycles, AuditLog audit, TrainerLauncher launcher,
                        Duration heartbeatTimeout, HumanEvaluationGate humanGate) {
        this.vertx = vertx;
        this.cycles = cycles;
        this.audit = audit;
        this.launcher = launcher;
        this.heartbeatTimeout = heartbeatTimeout;
        this.humanGate = humanGate;
        long every = Math.max(500, heartbeatTimeout.toMillis() / 3);
        this.watchdog = OwnContext.periodic(vertx, every, every, this::checkHeartbeats);
        // a timer (and so a context, and a database session) of its own: two chains of database work at once on
        // one context would share one session
        this.humanWatch = OwnContext.periodic(vertx, every, every, () -> humanGate.settleAll().onFailure(e ->
                log.warn("cannot settle human evaluations: {}", String.valueOf(e))));
    }

    /** The gate's human step: what a vote calls to end its cycle once the votes are due. */
    public HumanEvaluationGate humanGate() {
        return humanGate;
    }

    public CycleRepository cycles() {
        return cycles;
    }

    /** The trainer this instance launched for cycle {@code id}, while it runs. */
    public java.util.Optional<TrainerLauncher.Job> job(long id) {
        return java.util.Optional.ofNullable(jobs.get(id));
    }

    /** Queues a cycle as {@code request} asks (preset filled in, stages checked) and launches its trainer. */
    public Future<TrainingCycle> start(JsonObject request, String actor) {
        return start(request, actor, effective -> cycles.create(effective, actor));
    }

    /**
     * As {@link #start}, for the scheduler, after cycle {@code after} (0: none): of the servers that find the schedule
     * due at once, one starts the cycle; the others fail with {@link CycleRepository.AlreadyScheduled}.
     */
    public Future<TrainingCycle> startScheduled(JsonObject request, long after) {
        return start(request, SCHEDULER, effective -> cycles.createScheduled(effective, SCHEDULER, after));
    }

    /** The actor of the cycles the schedule starts. */
    public static final String SCHEDULER = "scheduler";

    private Future<TrainingCycle> start(JsonObject request, String actor,
                                        java.util.function.Function<String, java.util.concurrent.CompletionStage<
                                                TrainingCycle>> create) {
        JsonObject effective;
        try {
            effective = CyclePresets.apply(request);
            CycleRunner.stagesOf(effective);
            // a bad gate option is the operator's to fix now, not the trainer's to fail on at the end
            GateThresholds.fromJson(effective.getJsonObject("gate", new JsonObject()));
            HumanEvalSettings.fromJson(effective.getJsonObject("gate", new JsonObject()));
        } catch (IllegalArgumentException | ClassCastException e) {
            return Future.failedFuture(new InvalidRequest(e.getMessage()));
        }
        return Future.fromCompletionStage(create.apply(effective.encode()))
                .recover(e -> Future.failedFuture(rootOf(e) instanceof CycleRepository.AlreadyActive
                        ? new Conflict(rootOf(e).getMessage()) : e))
                .compose(cycle -> Future.fromCompletionStage(audit.record(actor, "start_cycle",
                                new JsonObject().put("cycle_id", cycle.id()).put("request", effective).encode()))
                        .compose(done -> launch(cycle.id()))
                        .compose(done -> Future.fromCompletionStage(cycles.find(cycle.id())))
                        .map(found -> found.orElse(cycle)));
    }

    /**
     * Cancels a queued or running cycle and stops its trainer, or a cycle that awaits reviewers' votes (its tasks
     * leave the queue; its candidate stays registered, promotable only with an override).
     */
    public Future<Void> cancel(long id, String actor) {
        return Future.fromCompletionStage(cycles.cancel(id)).compose(cancelled -> {
            if (!cancelled) {
                return Future.failedFuture(new Conflict("cycle " + id
                        + " is not queued, running or awaiting human evaluation"));
            }
            TrainerLauncher.Job job = jobs.remove(id);
            if (job != null) {
                job.stop();
            }
            return Future.fromCompletionStage(audit.record(actor, "cancel_cycle",
                    new JsonObject().put("cycle_id", id).encode()));
        });
    }

    /** Queues a failed cycle again and launches its trainer, which skips finished stages and resumes training. */
    public Future<Void> resume(long id, String actor) {
        return Future.fromCompletionStage(cycles.requeueFailed(id))
                .recover(e -> Future.failedFuture(rootOf(e) instanceof CycleRepository.AlreadyActive
                        ? new Conflict(rootOf(e).getMessage()) : e))
                .compose(requeued -> requeued ? Future.fromCompletionStage(audit.record(actor, "resume_cycle",
                                new JsonObject().put("cycle_id", id).encode())).compose(done -> launch(id))
                        : Future.failedFuture(new Conflict("cycle " + id + " has not failed")));
    }

    private Future<Void> launch(long id) {
        return vertx.executeBlocking(() -> launcher.launch(id), false)
                .onSuccess(job -> {
                    jobs.put(id, job);
                    // Back on this event loop: Hibernate Reactive is used from Vert.x event loops only.
                    io.vertx.core.Context context = vertx.getOrCreateContext();
                    job.ended().whenComplete((why, e) -> context.runOnContext(v -> {
                        // Only the cycle's current trainer speaks for it: one that was stopped (cancel, a missed
                        // heartbeat) and replaced by a resumed attempt may exit long after, with 137.
                        if (!jobs.remove(id, job)) {
                            return;
                        }
                        String reason = (why != null ? why : "the trainer's watch failed: " + e.getMessage())
                                + " before the cycle ended";
                        cycles.fail(id, reason).thenAccept(failed -> {
                            if (failed) {
                                log.warn("cycle {}: {}", id, reason);
                            }
                        });
                    }));
                })
                .recover(e -> Future.fromCompletionStage(cycles.fail(id, "cannot start the trainer: "
                        + e.getMessage())).compose(x -> Future.failedFuture(e)))
                .mapEmpty();
    }

    /** Marks failed every active cycle whose trainer has been silent (or not started) longer than the timeout. */
    private void checkHeartbeats() {
        Instant before = Instant.now().minus(heartbeatTimeout);
        cycles.silentSince(before).thenAccept(silent -> silent.forEach(cycle -> {
            String reason = cycle.status() == TrainingCycle.Status.queued
                    ? "the trainer did not start within " + heartbeatTimeout.toSeconds() + " s"
                    : "no heartbeat from the trainer since " + cycle.heartbeatAt();
            cycles.fail(cycle.id(), reason).thenAccept(failed -> {
                if (failed) {
                    log.warn("cycle {}: {}", cycle.id(), reason);
                    TrainerLauncher.Job job = jobs.remove(cycle.id());
                    if (job != null) {
                        job.stop();
                    }
                }
            });
        })).exceptionally(e -> {
            log.warn("cannot check cycle heartbeats: {}", e.getMessage());
            return null;
        });
    }

    static Throwable rootOf(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }

    /**
     * Stops watching; local trainers still running are stopped (their cycles fail and can be resumed), trainers
     * running elsewhere go on.
     */
    @Override
    public void close() {
        vertx.cancelTimer(watchdog);
        vertx.cancelTimer(humanWatch);
        jobs.values().forEach(TrainerLauncher.Job::release);
        launcher.close();
    }
}
