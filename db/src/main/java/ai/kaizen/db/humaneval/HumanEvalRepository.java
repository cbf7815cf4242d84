package ai.kaizen.db.humaneval;

import ai.kaizen.db.NativeValues;
import ai.kaizen.db.review.ReviewException;
import org.hibernate.reactive.stage.Stage;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionStage;

/**
 * Blind comparison tasks and reviewers' votes on them (the V11 migration). The queue rules, in the database so that
 * several servers share one queue: only tasks of cycles that await human evaluation and have not expired; never a
 * task a reviewer voted on or skipped; the task with the fewest votes first, so that votes spread over the prompts.
 * Every method completes after its transaction committed.
 */
public final class HumanEvalRepository {

    /** The columns of a task, in {@link #pair(Object[])}'s order. */
    private static final String PAIR_COLUMNS = "t.id, t.cycle_id, t.position, t.system_prompt, t.history::text,"
            + " t.answer_a, t.answer_b, t.candidate_side::text";

    private final Stage.SessionFactory sessions;

    public HumanEvalRepository(Stage.SessionFactory sessions) {
        this.sessions = Objects.requireNonNull(sessions);
    }

    /**
     * Records a cycle's request for votes and its tasks, in one transaction; an earlier attempt's (a resumed
     * cycle's evaluation runs again) is replaced.
     */
    public CompletionStage<Void> create(HumanEvaluation evaluation, List<BlindPair> pairs) {
        return sessions.withTransaction(s -> s.createNativeQuery("DELETE FROM human_evaluation WHERE cycle_id = :c")
                .setParameter("c", evaluation.cycleId())
                .executeUpdate()
                .thenCompose(deleted -> s.createNativeQuery("INSERT INTO human_evaluation (cycle_id,"
                                + " candidate_version_id, serving_version_id, votes_required, expires_at)"
                                + " VALUES (:c, :candidate, :serving, :required, :expires)")
                        .setParameter("c", evaluation.cycleId())
                        .setParameter("candidate", evaluation.candidateVersionId())
                        .setParameter("serving", evaluation.servingVersionId())
                        .setParameter("required", evaluation.votesRequired())
                        .setParameter("expires", evaluation.expiresAt())
                        .executeUpdate())
                .thenCompose(inserted -> {
                    CompletionStage<Integer> chain = java.util.concurrent.CompletableFuture.completedFuture(0);
                    for (BlindPair p : pairs) {
                        chain = chain.thenCompose(n -> s.createNativeQuery("INSERT INTO human_eval_task (id, cycle_id,"
                                        + " position, system_prompt, history, answer_a, answer_b, candidate_side)"
                                        + " VALUES (:id, :c, :position, :system, cast(cast(:history AS text) AS jsonb),"
                                        + " :a, :b, :side)")
                                .setParameter("id", p.id())
                                .setParameter("c", evaluation.cycleId())
                                .setParameter("position", p.position())
                                .setParameter("system", p.systemPrompt())
                                .setParameter("history", p.historyJson())
                                .setParameter("a", p.answerA())
                                .setParameter("b", p.answerB())
                                .setParameter("side", p.candidateSide())
                                .executeUpdate());
                    }
                    return chain;
                })
                .thenApply(done -> null));
    }

    /** The cycle's request for votes, if it made one. */
    public CompletionStage<Optional<HumanEvaluation>> evaluation(long cycleId) {
        return sessions.withSession(s -> s.createNativeQuery("SELECT cycle_id, candidate_version_id,"
                        + " serving_version_id, votes_required, created_at, expires_at FROM human_evaluation"
                        + " WHERE cycle_id = :c", Object[].class)
                .setParameter("c", cycleId)
                .getResultList())
                .thenApply(rows -> rows.stream().findFirst().map(r -> new HumanEvaluation(
                        ((Number) r[0]).longValue(), ((Number) r[1]).longValue(), ((Number) r[2]).longValue(),
                        ((Number) r[3]).intValue(), NativeValues.instant(r[4]), NativeValues.instant(r[5]))));
    }

    /** The cycle's tasks, in order. */
    public CompletionStage<List<BlindPair>> pairs(long cycleId) {
        return sessions.withSession(s -> s.createNativeQuery("SELECT " + PAIR_COLUMNS + " FROM human_eval_task t"
                        + " WHERE t.cycle_id = :c ORDER BY t.position", Object[].class)
                .setParameter("c", cycleId)
                .getResultList())
                .thenApply(rows -> rows.stream().map(HumanEvalRepository::pair).toList());
    }

    /** The reviewer's next task by the queue rules (see the class comment); empty when there is none. */
    public CompletionStage<Optional<BlindPair>> next(String reviewer) {
        String sql = "SELECT " + PAIR_COLUMNS + " FROM human_eval_task t"
                + " JOIN human_evaluation e ON e.cycle_id = t.cycle_id"
                + " JOIN training_cycle c ON c.id = t.cycle_id"
                + " WHERE c.status = 'awaiting_human_eval' AND e.expires_at > now()"
                + " AND NOT EXISTS (SELECT 1 FROM human_eval_vote v WHERE v.task_id = t.id AND v.reviewer = :r)"
                + " ORDER BY (SELECT count(*) FROM human_eval_vote v WHERE v.task_id = t.id AND v.choice IS NOT NULL),"
                + " t.cycle_id, t.position LIMIT 1";
        return sessions.withSession(s -> s.createNativeQuery(sql, Object[].class)
                        .setParameter("r", reviewer)
                        .getResultList())
                .thenApply(rows -> rows.stream().findFirst().map(HumanEvalRepository::pair));
    }

    /** How many blind comparisons {@code reviewer} has voted on (skips do not count). */
    public CompletionStage<Long> votesBy(String reviewer) {
        return sessions.withSession(s -> s.createNativeQuery("SELECT count(*) FROM human_eval_vote "
                        + "WHERE reviewer = :r AND choice IS NOT NULL", Long.class)
                .setParameter("r", reviewer)
                .getSingleResult());
    }

    /** How many blind comparisons still wait for {@code reviewer}'s vote: those {@link #next} may give them. */
    public CompletionStage<Long> remainingFor(String reviewer) {
        return sessions.withSession(s -> s.createNativeQuery("SELECT count(*) FROM human_eval_task t"
                        + " JOIN human_evaluation e ON e.cycle_id = t.cycle_id"
                        + " JOIN training_cycle c ON c.id = t.cycle_id"
                        + " WHERE c.status = 'awaiting_human_eval' AND e.expires_at > now()"
                        + " AND NOT EXISTS (SELECT 1 FROM human_eval_vote v WHERE v.task_id = t.id AND v.reviewer = :r)",
                        Long.class)
                .setParameter("r", reviewer)
                .getSingleResult());
    }

    /**
     * Records the reviewer's vote ({@code a}, {@code b}, {@code tie} or {@code both_bad}) on a task and returns
     * the task's cycle.
     *
     * @throws ReviewException 404 for no such task, 409 when the reviewer already voted on it (or skipped it) or
     *                         its cycle no longer waits for votes
     */
    public CompletionStage<Long> vote(UUID taskId, String reviewer, String choice) {
        if (!List.of("a", "b", "tie", "both_bad").contains(choice)) {
            throw new IllegalArgumentException("choice must be a, b, tie or both_bad");
        }
        return record(taskId, reviewer, choice, null);
    }

    /** Skips a task with the reviewer's reason: it never comes back to them, and counts as no vote. */
    public CompletionStage<Long> skip(UUID taskId, String reviewer, String reason) {
        return record(taskId, reviewer, null, Objects.requireNonNull(reason));
    }

    private CompletionStage<Long> record(UUID taskId, String reviewer, String choice, String reason) {
        // The task's cycle row is locked, so that a vote and the cycle's end (or cancel) are ordered: no vote is
        // stored after the votes were counted.
        return sessions.withTransaction(s -> s.createNativeQuery("SELECT t.cycle_id, c.status, e.expires_at > now()"
                                + " FROM human_eval_task t JOIN training_cycle c ON c.id = t.cycle_id"
                                + " JOIN human_evaluation e ON e.cycle_id = t.cycle_id WHERE t.id = :t"
                                + " FOR SHARE OF c", Object[].class)
                        .setParameter("t", taskId)
                        .getResultList()
                        .thenCompose(rows -> {
                            if (rows.isEmpty()) {
                                throw new ReviewException(404, "no such comparison task");
                            }
                            Object[] row = rows.get(0);
                            if (!"awaiting_human_eval".equals(row[1]) || !Boolean.TRUE.equals(row[2])) {
                                throw new ReviewException(409, "this comparison is closed: its cycle no longer"
                                        + " waits for votes");
                            }
                            long cycle = ((Number) row[0]).longValue();
                            return s.createNativeQuery("INSERT INTO human_eval_vote (task_id, reviewer, choice,"
                                            + " skip_reason) VALUES (:t, :r, :choice, :reason)"
                                            + " ON CONFLICT (task_id, reviewer) DO NOTHING")
                                    .setParameter("t", taskId)
                                    .setParameter("r", reviewer)
                                    .setParameter("choice", choice)
                                    .setParameter("reason", reason)
                                    .executeUpdate()
                                    .thenApply(n -> {
                                        if (n == 0) {
                                            throw new ReviewException(409, "you already voted on (or skipped) this"
                                                    + " comparison task; a vote is final");
                                        }
                                        return cycle;
                                    });
                        }));
    }

    /** The cycle's votes counted through which side the candidate was on. */
    public CompletionStage<VoteCounts> counts(long cycleId) {
        String sql = "SELECT count(*) FILTER (WHERE v.choice = t.candidate_side::text),"
                + " count(*) FILTER (WHERE v.choice IN ('a', 'b') AND v.choice <> t.candidate_side::text),"
                + " count(*) FILTER (WHERE v.choice = 'tie'), count(*) FILTER (WHERE v.choice = 'both_bad'),"
                + " count(*) FILTER (WHERE v.choice IS NULL)"
                + " FROM human_eval_vote v JOIN human_eval_task t ON t.id = v.task_id WHERE t.cycle_id = :c";
        return sessions.withSession(s -> s.createNativeQuery(sql, Object[].class)
                        .setParameter("c", cycleId)
                        .getSingleResult())
                .thenApply(r -> new VoteCounts(((Number) r[0]).intValue(), ((Number) r[1]).intValue(),
                        ((Number) r[2]).intValue(), ((Number) r[3]).intValue(), ((Number) r[4]).intValue()));
    }

    /** Every vote and skip on the cycle's tasks, oldest first: the audit trail operators read. */
    public CompletionStage<List<Vote>> votes(long cycleId) {
        return sessions.withSession(s -> s.createNativeQuery("SELECT v.id, v.task_id, t.position, v.reviewer,"
                        + " v.choice, t.candidate_side::text, v.skip_reason, v.voted_at FROM human_eval_vote v"
                        + " JOIN human_eval_task t ON t.id = v.task_id WHERE t.cycle_id = :c ORDER BY v.id",
                        Object[].class)
                .setParameter("c", cycleId)
                .getResultList())
                .thenApply(rows -> rows.stream().map(r -> new Vote(((Number) r[0]).longValue(), (UUID) r[1],
                        ((Number) r[2]).intValue(), (String) r[3], (String) r[4], (String) r[5], (String) r[6],
                        NativeValues.instant(r[7]))).toList());
    }

    private static BlindPair pair(Object[] r) {
        return new BlindPair((UUID) r[0], ((Number) r[1]).longValue(), ((Number) r[2]).intValue(), (String) r[3],
                (String) r[4], (String) r[5], (String) r[6], (String) r[7]);
    }
}
