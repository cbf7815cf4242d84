package ai.kaizen.db.cycle;

import ai.kaizen.db.NativeValues;
import org.hibernate.reactive.stage.Stage;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Retraining cycles, their metrics and logs. Every change is one conditional UPDATE, so the server (start, cancel,
 * failure detection) and the trainer process (progress, result) never overwrite each other's decision: a cycle
 * that was cancelled or declared dead stays so even if its trainer still reports.
 */
public final class CycleRepository {

    /** Another cycle is queued or running (one at a time). */
    public static final class AlreadyActive extends RuntimeException {
        private static final long serialVersionUID = 1L;

        AlreadyActive() {
            super("another cycle is already queued or running", null, false, false);
        }
    }

    /** The schedule already started the cycle that follows this one (another server was first). */
    public static final class AlreadyScheduled extends RuntimeException {
        private static final long serialVersionUID = 1L;

        AlreadyScheduled(long after) {
            super("the schedule already started the cycle after " + (after == 0 ? "none" : "cycle " + after), null,
                    false, false);
        }
    }

    private final Stage.SessionFactory sessions;

    public CycleRepository(Stage.SessionFactory sessions) {
        this.sessions = Objects.requireNonNull(sessions);
    }

    /** Queues a new cycle; fails with {@link AlreadyActive} when one is queued or running. */
    public CompletionStage<TrainingCycle> create(String requestJson, String requestedBy) {
        return create(new TrainingCycle(requestJson, requestedBy));
    }

    /**
     * Queues the cycle the schedule starts after cycle {@code after} (0: after none): fails with
     * {@link AlreadyScheduled} when one was started after it already (by any server, even one that ended since), and
     * with {@link AlreadyActive} when a cycle is queued or running.
     */
    public CompletionStage<TrainingCycle> createScheduled(String requestJson, String requestedBy, long after) {
        return create(new TrainingCycle(requestJson, requestedBy, after));
    }

    private CompletionStage<TrainingCycle> create(TrainingCycle cycle) {
        return sessions.withTransaction(s -> s.persist(cycle).thenApply(done -> cycle))
                .handle((c, e) -> {
                    if (e != null) {
                        if (violates(e, "training_cycle_scheduled_once")) {
                            throw new AlreadyScheduled(cycle.scheduledAfter().orElseThrow());
                        }
                        throw isUniqueViolation(e) ? new AlreadyActive()
                                : new java.util.concurrent.CompletionException(e);
                    }
                    return c;
                });
    }

    private static boolean isUniqueViolation(Throwable e) {
        return violates(e, "training_cycle_one_active");
    }

    private static boolean violates(Throwable e, String index) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && t.getMessage().contains(index)) {
                return true;
            }
        }
        return false;
    }

    public CompletionStage<Optional<TrainingCycle>> find(long id) {
        return sessions.withSession(s -> s.find(TrainingCycle.class, id)).thenApply(Optional::ofNullable);
    }

    /** The cycle whose candidate model version {@code versionId} is, if any. */
    public CompletionStage<Optional<TrainingCycle>> findByCandidate(long versionId) {
        return sessions.withSession(s -> s
                        .createSelectionQuery("from TrainingCycle where candidateVersionId = :v order by id desc",
                                TrainingCycle.class)
                        .setParameter("v", versionId)
                        .setMaxResults(1)
                        .getSingleResultOrNull())
                .thenApply(Optional::ofNullable);
    }

    /** Every cycle that registered a candidate, newest first (what the registry shows of each version's gate). */
    public CompletionStage<List<TrainingCycle>> withCandidates() {
        return sessions.withSession(s -> s
                .createSelectionQuery("from TrainingCycle where candidateVersionId is not null order by id desc",
                        TrainingCycle.class)
                .getResultList());
    }

    /** The newest {@code limit} cycles, newest first. */
    public CompletionStage<List<TrainingCycle>> newest(int limit) {
        return sessions.withSession(s -> s
                .createSelectionQuery("from TrainingCycle order by id desc", TrainingCycle.class)
                .setMaxResults(limit)
                .getResultList());
    }

    /** How many cycles there are in each status (statuses with none are left out). */
    public CompletionStage<Map<TrainingCycle.Status, Long>> countByStatus() {
        return sessions.withSession(s -> s
                        .createSelectionQuery("select status, count(*) from TrainingCycle group by status",
                                Object[].class)
                        .getResultList())
                .thenApply(rows -> {
                    Map<TrainingCycle.Status, Long> counts = new java.util.EnumMap<>(TrainingCycle.Status.class);
                    rows.forEach(row -> counts.put((TrainingCycle.Status) row[0], ((Number) row[1]).longValue()));
                    return counts;
                });
    }

    /** The queued or running cycle, if any. */
    public CompletionStage<Optional<TrainingCycle>> active() {
        return sessions.withSession(s -> s
                        .createSelectionQuery("from TrainingCycle where status in (:q, :r)", TrainingCycle.class)
                        .setParameter("q", TrainingCycle.Status.queued)
                        .setParameter("r", TrainingCycle.Status.running)
                        .getSingleResultOrNull())
                .thenApply(Optional::ofNullable);
    }

    /**
     * The trainer takes a queued cycle: running, a new attempt, first heartbeat. Completes with false when the
     * cycle is not queued (cancelled meanwhile, or already taken).
     */
    public CompletionStage<Boolean> claim(long id) {
        return update("UPDATE training_cycle SET status = 'running', attempt = attempt + 1,"
                + " started_at = coalesce(started_at, now()), heartbeat_at = now(), error = NULL"
                + " WHERE id = :id AND status = 'queued'", Map.of("id", id));
    }

    /** The trainer is alive, at {@code step} of {@code total} in {@code stage}; false once the cycle stopped running. */
    public CompletionStage<Boolean> heartbeat(long id, String stage, int step, int total) {
        return update("UPDATE training_cycle SET heartbeat_at = now(), stage = :stage, step = :step,"
                        + " total_steps = :total WHERE id = :id AND status = 'running'",
                Map.of("id", id, "stage", stage, "step", step, "total", total));
    }

    /** Records what a finished stage produced (a JSON value), so that a resumed cycle can skip it. */
    public CompletionStage<Boolean> stageDone(long id, String stage, String resultJson) {
        // typed as text, then cast: a string bound straight to jsonb would be stored as a JSON string
        return update("UPDATE training_cycle SET stage_results = stage_results"
                        + " || jsonb_build_object(cast(:stage AS text), cast(cast(:result AS text) AS jsonb))"
                        + " WHERE id = :id AND status = 'running'",
                Map.of("id", id, "stage", stage, "result", resultJson));
    }

    /** The cycle succeeded: its candidate (may be null) and the gate's report (a JSON object, may be null). */
    public CompletionStage<Boolean> succeed(long id, Long candidateVersionId, String gateReportJson) {
        return finish(id, TrainingCycle.Status.succeeded, candidateVersionId, gateReportJson);
    }

    /**
     * The running cycle ran to its end as {@code status} ({@code succeeded}, {@code gate_failed} or
     * {@code no_verdict}), with its candidate (may be null) and the gate's report (a JSON object, may be null).
     * Completes with false when the cycle was no longer running (cancelled or declared dead meanwhile).
     */
    public CompletionStage<Boolean> finish(long id, TrainingCycle.Status status, Long candidateVersionId,
                                           String gateReportJson) {
        if (status != TrainingCycle.Status.succeeded && !status.isGateRefusal()) {
            throw new IllegalArgumentException("a cycle that ran to its end cannot be " + status);
        }
        return sessions.withTransaction(s -> s.createMutationQuery("update TrainingCycle set status = :done,"
                        + " finishedAt = :now, candidateVersionId = :candidate, gateReport = :gate"
                        + " where id = :id and status = :running")
                .setParameter("done", status)
                .setParameter("running", TrainingCycle.Status.running)
                .setParameter("now", Instant.now())
                .setParameter("id", id)
                .setParameter("candidate", candidateVersionId)
                .setParameter("gate", gateReportJson)
                .executeUpdate()
                .thenApply(n -> n == 1));
    }

    /** Records the gate's report before the cycle ends (the console shows it as soon as it exists). */
    public CompletionStage<Boolean> gateReport(long id, Long candidateVersionId, String gateReportJson) {
        return sessions.withTransaction(s -> s.createMutationQuery("update TrainingCycle set"
                        + " candidateVersionId = :candidate, gateReport = :gate where id = :id")
                .setParameter("id", id)
                .setParameter("candidate", candidateVersionId)
                .setParameter("gate", gateReportJson)
                .executeUpdate()
                .thenApply(n -> n == 1));
    }

    /**
     * The running cycle's candidate passed the automatic checks and now waits for reviewers' blind votes: it is
     * {@code awaiting_human_eval} with its candidate and the gate's report so far (its verdict {@code pending}).
     * Completes with false when the cycle was no longer running.
     */
    public CompletionStage<Boolean> awaitHumanEvaluation(long id, long candidateVersionId, String gateReportJson) {
        return sessions.withTransaction(s -> s.createMutationQuery("update TrainingCycle set status = :awaiting,"
                        + " candidateVersionId = :candidate, gateReport = :gate where id = :id and status = :running")
                .setParameter("awaiting", TrainingCycle.Status.awaiting_human_eval)
                .setParameter("running", TrainingCycle.Status.running)
                .setParameter("id", id)
                .setParameter("candidate", candidateVersionId)
                .setParameter("gate", gateReportJson)
                .executeUpdate()
                .thenApply(n -> n == 1));
    }

    /**
     * Ends a cycle that waited for reviewers' votes as {@code status} with the gate's final report; false when it
     * was not waiting any more (another server, or an operator's cancel, was first).
     */
    public CompletionStage<Boolean> endHumanEvaluation(long id, TrainingCycle.Status status, String gateReportJson) {
        if (status != TrainingCycle.Status.succeeded && !status.isGateRefusal()) {
            throw new IllegalArgumentException("a human evaluation cannot end a cycle as " + status);
        }
        return sessions.withTransaction(s -> s.createMutationQuery("update TrainingCycle set status = :done,"
                        + " finishedAt = :now, gateReport = :gate where id = :id and status = :awaiting")
                .setParameter("done", status)
                .setParameter("awaiting", TrainingCycle.Status.awaiting_human_eval)
                .setParameter("now", Instant.now())
                .setParameter("id", id)
                .setParameter("gate", gateReportJson)
                .executeUpdate()
                .thenApply(n -> n == 1));
    }

    /** Replaces the report of a cycle that waits for votes (the live vote counts in it); false when it does not. */
    public CompletionStage<Boolean> pendingGateReport(long id, String gateReportJson) {
        return sessions.withTransaction(s -> s.createMutationQuery("update TrainingCycle set gateReport = :gate"
                        + " where id = :id and status = :awaiting")
                .setParameter("awaiting", TrainingCycle.Status.awaiting_human_eval)
                .setParameter("id", id)
                .setParameter("gate", gateReportJson)
                .executeUpdate()
                .thenApply(n -> n == 1));
    }

    /** The cycles waiting for reviewers' votes, oldest first. */
    public CompletionStage<List<TrainingCycle>> awaitingHumanEvaluation() {
        return sessions.withSession(s -> s
                .createSelectionQuery("from TrainingCycle where status = :awaiting order by id", TrainingCycle.class)
                .setParameter("awaiting", TrainingCycle.Status.awaiting_human_eval)
                .getResultList());
    }

    /** A running or queued cycle failed, with the reason. */
    public CompletionStage<Boolean> fail(long id, String reason) {
        return update("UPDATE training_cycle SET status = 'failed', finished_at = now(), error = :reason"
                + " WHERE id = :id AND status IN ('queued', 'running')", Map.of("id", id, "reason", reason));
    }

    /** Cancels a queued, running or vote-awaiting cycle; false when it was none of those. */
    public CompletionStage<Boolean> cancel(long id) {
        return update("UPDATE training_cycle SET status = 'cancelled', finished_at = now(),"
                + " error = 'cancelled by an operator' WHERE id = :id"
                + " AND status IN ('queued', 'running', 'awaiting_human_eval')",
                Map.of("id", id));
    }

    /**
     * Queues a failed cycle again; it keeps its finished stages' results and checkpoints. Fails with
     * {@link AlreadyActive} when another cycle is active; completes with false when this one had not failed.
     */
    public CompletionStage<Boolean> requeueFailed(long id) {
        return update("UPDATE training_cycle SET status = 'queued', finished_at = NULL, heartbeat_at = now()"
                + " WHERE id = :id AND status = 'failed'", Map.of("id", id))
                .handle((ok, e) -> {
                    if (e != null) {
                        throw isUniqueViolation(e) ? new AlreadyActive()
                                : new java.util.concurrent.CompletionException(e);
                    }
                    return ok;
                });
    }

    /**
     * Active cycles whose last heartbeat (or, still queued, whose queuing) is older than {@code before}: their
     * trainer is presumed dead, or never started.
     */
    public CompletionStage<List<TrainingCycle>> silentSince(Instant before) {
        return sessions.withSession(s -> s
                .createSelectionQuery("from TrainingCycle where status in (:q, :r) and heartbeatAt < :before",
                        TrainingCycle.class)
                .setParameter("q", TrainingCycle.Status.queued)
                .setParameter("r", TrainingCycle.Status.running)
                .setParameter("before", before)
                .getResultList());
    }

    /** Appends metrics logged at one step of one stage. */
    public CompletionStage<Void> metrics(long id, String stage, int step, Map<String, Double> values) {
        if (values.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        StringBuilder sql = new StringBuilder("INSERT INTO cycle_metric (cycle_id, stage, step, name, value) VALUES ");
        List<String> names = new ArrayList<>(values.keySet());
        for (int i = 0; i < names.size(); i++) {
            sql.append(i == 0 ? "" : ", ").append("(:id, :stage, :step, :n").append(i).append(", :v").append(i)
                    .append(')');
        }
        return sessions.withTransaction(s -> {
            var query = s.createNativeQuery(sql.toString())
                    .setParameter("id", id).setParameter("stage", stage).setParameter("step", step);
            for (int i = 0; i < names.size(); i++) {
                query.setParameter("n" + i, names.get(i)).setParameter("v" + i, values.get(names.get(i)));
            }
            return query.executeUpdate().thenApply(n -> null);
        });
    }

    /** The cycle's metrics with an id above {@code afterId}, in order. */
    public CompletionStage<List<CycleMetric>> metricsAfter(long id, long afterId) {
        return sessions.withSession(s -> s.createNativeQuery("SELECT id, stage, step, name, value, at FROM cycle_metric"
                        + " WHERE cycle_id = :c AND id > :after ORDER BY id", Object[].class)
                .setParameter("c", id).setParameter("after", afterId)
                .getResultList())
                .thenApply(rows -> rows.stream().map(CycleRepository::metric).toList());
    }

    /**
     * What the newest cycle before cycle {@code id} logged in {@code stage} (the run a chart compares this one's
     * with): that cycle's id and its metrics of the stage in order; empty when no earlier cycle ran the stage.
     */
    public CompletionStage<Optional<StageMetrics>> previousStageMetrics(long id, String stage) {
        return sessions.withSession(s -> s.createNativeQuery("SELECT id, stage, step, name, value, at, cycle_id"
                        + " FROM cycle_metric WHERE stage = :stage AND cycle_id = (SELECT max(cycle_id)"
                        + " FROM cycle_metric WHERE stage = :stage AND cycle_id < :c) ORDER BY id", Object[].class)
                .setParameter("c", id).setParameter("stage", stage)
                .getResultList())
                .thenApply(rows -> rows.isEmpty() ? Optional.empty() : Optional.of(new StageMetrics(
                        ((Number) rows.get(0)[6]).longValue(), stage, rows.stream().map(CycleRepository::metric)
                        .toList())));
    }

    private static CycleMetric metric(Object[] r) {
        return new CycleMetric(((Number) r[0]).longValue(), (String) r[1], ((Number) r[2]).intValue(), (String) r[3],
                ((Number) r[4]).doubleValue(), NativeValues.instant(r[5]));
    }

    /** Appends a line to the cycle's log. */
    public CompletionStage<Void> log(long id, String line) {
        return update("INSERT INTO cycle_log (cycle_id, line) VALUES (:id, :line)", Map.of("id", id, "line", line))
                .thenApply(done -> null);
    }

    /** The cycle's log lines with an id above {@code afterId}, oldest first, at most the newest {@code limit}. */
    public CompletionStage<List<CycleLogLine>> logAfter(long id, long afterId, int limit) {
        return sessions.withSession(s -> s.createNativeQuery("SELECT id, at, line FROM (SELECT id, at, line FROM"
                        + " cycle_log WHERE cycle_id = :c AND id > :after ORDER BY id DESC LIMIT :n) t ORDER BY id",
                        Object[].class)
                .setParameter("c", id).setParameter("after", afterId).setParameter("n", limit)
                .getResultList())
                .thenApply(rows -> rows.stream().map(r -> new CycleLogLine(((Number) r[0]).longValue(),
                        NativeValues.instant(r[1]), (String) r[2])).toList());
    }

    private CompletionStage<Boolean> update(String sql, Map<String, Object> parameters) {
        return sessions.withTransaction(s -> {
            var query = s.createNativeQuery(sql);
            parameters.forEach(query::setParameter);
            return query.executeUpdate().thenApply(n -> n >= 1);
        });
    }
}
