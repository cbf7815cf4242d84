package ai.kaizen.db.review;

import ai.kaizen.db.chat.Message;
import org.hibernate.LockMode;
import org.hibernate.reactive.stage.Stage;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Review tasks and the queue that hands them out. The queue rules, all enforced here in the database so that
 * several servers can share one queue:
 * <ul>
 *     <li>a reviewer with an open task gets it back (its draft with it) before anything new;</li>
 *     <li>never the same task twice to one reviewer (one row per task and reviewer, skipped ones included);</li>
 *     <li>a task goes to at most {@code overlap} reviewers: submitted work and open work touched in the last
 *     {@link #ABANDONED_AFTER} count, skips do not (the task goes to someone else);</li>
 *     <li>highest priority first (disliked, then uncertain, then random), oldest first within a priority.</li>
 * </ul>
 * Every method completes after its transaction committed.
 */
public final class ReviewRepository {

    /** Open work untouched this long no longer holds a place in a task's overlap. */
    public static final Duration ABANDONED_AFTER = Duration.ofHours(1);

    private final Stage.SessionFactory sessions;

    public ReviewRepository(Stage.SessionFactory sessions) {
        this.sessions = Objects.requireNonNull(sessions);
    }

    /** Stores new candidate answers (siblings, off the user's visible branch) and the task, in one transaction. */
    public CompletionStage<ReviewTask> createTask(ReviewTask task, List<Message> newCandidates) {
        return sessions.withTransaction(s -> s.persist(newCandidates.toArray())
                        .thenCompose(done -> s.persist(task)))
                .thenApply(done -> task);
    }

    /** An answer its model finished: one still being written, or cut off, is no answer to review. */
    private static final String FINISHED = "a.finish_reason IS DISTINCT FROM '" + Message.INTERRUPTED + "'";

    /**
     * Up to {@code limit} user messages with an answer and no {@code kind} task yet, highest priority first and at
     * random within a priority (so that "random traffic" is random).
     */
    public CompletionStage<List<PromptToReview>> promptsToReview(ReviewTask.Kind kind, int limit) {
        String sql = """
                SELECT q.id, q.conversation_id,
                       (SELECT a.id FROM message a WHERE a.parent_id = q.id AND a.role = 'assistant'
                           AND %s ORDER BY a.created_at, a.id LIMIT 1) AS shown,
                       CASE WHEN EXISTS (SELECT 1 FROM rating r JOIN message a ON a.id = r.message_id
                                          WHERE a.parent_id = q.id AND (r.thumbs = -1 OR r.stars <= 2)) THEN 0
                            WHEN EXISTS (SELECT 1 FROM rating r JOIN message a ON a.id = r.message_id
                                          WHERE a.parent_id = q.id AND r.stars = 3)
                              OR EXISTS (SELECT 1 FROM pairwise_comparison p WHERE p.prompt_message_id = q.id
                                          AND p.choice IN ('tie', 'both_bad')) THEN 1
                            ELSE 2 END AS priority
                  FROM message q
                 WHERE q.role = 'user'
                   AND EXISTS (SELECT 1 FROM message a WHERE a.parent_id = q.id AND a.role = 'assistant' AND %s)
                   AND NOT EXISTS (SELECT 1 FROM review_task t WHERE t.prompt_message_id = q.id AND t.kind = :kind)
                 ORDER BY priority, random()
                 LIMIT :limit""".formatted(FINISHED, FINISHED);
        return sessions.withSession(s -> s.createNativeQuery(sql, Object[].class)
                        .setParameter("kind", kind.label())
                        .setParameter("limit", limit)
                        .getResultList())
                .thenApply(rows -> rows.stream().map(r -> new PromptToReview((UUID) r[0], (UUID) r[1], (UUID) r[2],
                        ReviewTask.Priority.values()[((Number) r[3]).intValue()])).toList());
    }

    /** How many {@code kind} tasks still have a free place for some reviewer: the buffer the generator keeps full. */
    public CompletionStage<Long> openTasks(ReviewTask.Kind kind) {
        return sessions.withSession(s -> s.createNativeQuery("SELECT count(*) FROM review_task t WHERE t.kind = :kind "
                        + "AND " + TAKEN + " < t.overlap", Long.class)
                .setParameter("kind", kind.label())
                .setParameter("abandoned", Instant.now().minus(ABANDONED_AFTER))
                .getSingleResult());
    }

    /** How many tasks of each kind {@code reviewer} has submitted; kinds without any are absent. */
    public CompletionStage<Map<ReviewTask.Kind, Long>> submittedBy(String reviewer) {
        return sessions.withSession(s -> s.createNativeQuery("SELECT t.kind, count(*) FROM review_assignment a "
                        + "JOIN review_task t ON t.id = a.task_id WHERE a.reviewer = :r AND a.status = 'submitted' "
                        + "GROUP BY t.kind", Object[].class)
                .setParameter("r", reviewer)
                .getResultList())
                .thenApply(rows -> {
                    Map<ReviewTask.Kind, Long> counts = new EnumMap<>(ReviewTask.Kind.class);
                    rows.forEach(r -> counts.put(ReviewTask.Kind.valueOf(((String) r[0]).toUpperCase(Locale.ROOT)),
                            ((Number) r[1]).longValue()));
                    return counts;
                });
    }

    /**
     * How many {@code kind} tasks {@code reviewer} may still do now: their open work, and the tasks with a free
     * place that they have not worked on (the queue {@link #next} takes from).
     */
    public CompletionStage<Long> remainingFor(String reviewer, ReviewTask.Kind kind) {
        return sessions.withSession(s -> s.createNativeQuery("SELECT count(*) FROM review_task t WHERE t.kind = :kind "
                        + "AND (EXISTS (SELECT 1 FROM review_assignment a WHERE a.task_id = t.id AND a.reviewer = :r "
                        + "AND a.status = 'open') OR (NOT EXISTS (SELECT 1 FROM review_assignment a "
                        + "WHERE a.task_id = t.id AND a.reviewer = :r) AND " + TAKEN + " < t.overlap))", Long.class)
                .setParameter("kind", kind.label())
                .setParameter("r", reviewer)
                .setParameter("abandoned", Instant.now().minus(ABANDONED_AFTER))
                .getSingleResult());
    }

    /** Places of a task that are taken: submitted work, and open work not abandoned. */
    private static final String TAKEN = "(SELECT count(*) FROM review_assignment a WHERE a.task_id = t.id "
            + "AND (a.status = 'submitted' OR (a.status = 'open' AND a.updated_at > :abandoned)))";

    /**
     * The reviewer's next task of {@code kind} by the queue rules (see the class comment), assigned to them; empty
     * when there is none.
     */
    public CompletionStage<Optional<ReviewWork>> next(String reviewer, ReviewTask.Kind kind) {
        String pick = "SELECT t.id FROM review_task t WHERE t.kind = :kind "
                + "AND NOT EXISTS (SELECT 1 FROM review_assignment a WHERE a.task_id = t.id AND a.reviewer = :r) "
                + "AND " + TAKEN + " < t.overlap "
                + "ORDER BY t.priority, t.created_at, t.id LIMIT 1 FOR UPDATE SKIP LOCKED";
        return sessions.withTransaction(s -> s.createSelectionQuery("select a from ReviewAssignment a, ReviewTask t "
                                + "where t.id = a.taskId and a.reviewer = :r and a.status = 'open' and t.kind = :kind "
                                + "order by a.assignedAt", ReviewAssignment.class)
                .setParameter("r", reviewer)
                .setParameter("kind", kind.label())
                .setMaxResults(1)
                .getResultList()
                .thenCompose(open -> {
                    if (!open.isEmpty()) {
                        return s.find(ReviewTask.class, open.get(0).taskId())
                                .thenApply(task -> Optional.of(new ReviewWork(task, open.get(0))));
                    }
                    return s.createNativeQuery(pick, UUID.class)
                            .setParameter("kind", kind.label())
                            .setParameter("r", reviewer)
                            .setParameter("abandoned", Instant.now().minus(ABANDONED_AFTER))
                            .getResultList()
                            .thenCompose(ids -> {
                                if (ids.isEmpty()) {
                                    return CompletableFuture.completedFuture(Optional.<ReviewWork>empty());
                                }
                                ReviewAssignment assignment = new ReviewAssignment(ids.get(0), reviewer);
                                return s.persist(assignment)
                                        .thenCompose(done -> s.find(ReviewTask.class, ids.get(0)))
                                        .thenApply(task -> Optional.of(new ReviewWork(task, assignment)));
                            });
                }));
    }

    /** The reviewer's assignment {@code id} with its task; fails with 404 when it is not theirs. */
    public CompletionStage<ReviewWork> work(long id, String reviewer) {
        return sessions.withSession(s -> find(s, id, reviewer, false));
    }

    private static CompletionStage<ReviewWork> find(Stage.Session s, long id, String reviewer, boolean lock) {
        CompletionStage<ReviewAssignment> found = lock
                ? s.find(ReviewAssignment.class, id, LockMode.PESSIMISTIC_WRITE)
                : s.find(ReviewAssignment.class, id);
        return found.thenCompose(a -> {
            if (a == null || !a.reviewer().equals(reviewer)) {
                throw new ReviewException(404, "no such review task of yours");
            }
            return s.find(ReviewTask.class, a.taskId()).thenApply(t -> new ReviewWork(t, a));
        });
    }

    /** Saves the page's unsubmitted state of open work (any JSON), so that a reload finds it. */
    public CompletionStage<ReviewWork> saveDraft(long id, String reviewer, String draftJson) {
        return sessions.withTransaction(s -> find(s, id, reviewer, true).thenApply(w -> {
            if (w.assignment().status() != ReviewAssignment.Status.OPEN) {
                throw new ReviewException(409, "only open work keeps a draft");
            }
            w.assignment().saveDraft(draftJson);
            return w;
        }));
    }

    /**
     * Submits a ranking of a rank task; within the edit window a second call replaces the first.
     *
     * @throws ReviewException 400 when the ranking does not cover the task's candidates, 409 when the work was
     *                         skipped or its edit window has closed
     */
    public CompletionStage<ReviewWork> submitRanking(long id, String reviewer, Ranking ranking, Duration editWindow) {
        return sessions.withTransaction(s -> find(s, id, reviewer, true).thenApply(w -> {
            if (w.task().kind() != ReviewTask.Kind.RANK) {
                throw new ReviewException(400, "this task asks for an ideal answer, not a ranking");
            }
            requireEditable(w);
            try {
                ranking.requireCovers(w.task().candidateIds());
            } catch (IllegalArgumentException e) {
                throw new ReviewException(400, e.getMessage());
            }
            w.assignment().submit(ranking, null, null, editWindow);
            return w;
        }));
    }

    /**
     * Submits the ideal answer of an ideal-answer task, stored as a demonstration: an assistant message answering
     * the task's prompt, beside the model's answers, with no model version. Within the edit window a second call
     * replaces the first (the earlier message is deleted).
     */
    public CompletionStage<ReviewWork> submitIdealAnswer(long id, String reviewer, String answer, Duration editWindow) {
        return sessions.withTransaction(s -> find(s, id, reviewer, true).thenCompose(w -> {
            if (w.task().kind() != ReviewTask.Kind.IDEAL) {
                throw new ReviewException(400, "this task asks for a ranking, not an ideal answer");
            }
            requireEditable(w);
            Optional<UUID> earlier = w.assignment().idealMessageId();
            return s.find(Message.class, w.task().promptMessageId()).thenCompose(prompt -> {
                Message ideal = Message.written(prompt.conversationId(), prompt.id(), Message.Author.assistant, answer)
                        .forReview();
                w.assignment().submit(null, ideal.id(), null, editWindow);
                CompletionStage<Void> removed = earlier.isEmpty() ? CompletableFuture.completedFuture(null)
                        : s.find(Message.class, earlier.get()).thenCompose(old -> old == null
                        ? CompletableFuture.completedFuture(null) : s.remove(old));
                return removed.thenCompose(done -> s.persist(ideal)).thenApply(done -> w);
            });
        }));
    }

    /** Submits the labels of a label task; within the edit window a second call replaces the first. */
    public CompletionStage<ReviewWork> submitLabels(long id, String reviewer, Labels labels, Duration editWindow) {
        return sessions.withTransaction(s -> find(s, id, reviewer, true).thenApply(w -> {
            if (w.task().kind() != ReviewTask.Kind.LABEL) {
                throw new ReviewException(400, "this task does not ask for labels");
            }
            requireEditable(w);
            w.assignment().submit(null, null, labels, editWindow);
            return w;
        }));
    }

    private static void requireEditable(ReviewWork w) {
        if (!w.assignment().editableAt(Instant.now())) {
            throw new ReviewException(409, w.assignment().status() == ReviewAssignment.Status.SKIPPED
                    ? "this task was skipped" : "the time to change this submission is over");
        }
    }

    /** Skips open work, with the reviewer's reason; the task goes to someone else and never back to them. */
    public CompletionStage<ReviewWork> skip(long id, String reviewer, String reason) {
        return sessions.withTransaction(s -> find(s, id, reviewer, true).thenApply(w -> {
            if (w.assignment().status() != ReviewAssignment.Status.OPEN) {
                throw new ReviewException(409, "only open work can be skipped");
            }
            w.assignment().skip(reason);
            return w;
        }));
    }

    /** The reviewer's most recent submission of {@code kind} still inside its edit window. */
    public CompletionStage<Optional<ReviewWork>> lastEditable(String reviewer, ReviewTask.Kind kind) {
        return sessions.withSession(s -> s.createSelectionQuery("select a from ReviewAssignment a, ReviewTask t "
                                + "where t.id = a.taskId and a.reviewer = :r and a.status = 'submitted' "
                                + "and t.kind = :kind and a.editUntil > :now order by a.submittedAt desc",
                        ReviewAssignment.class)
                .setParameter("r", reviewer)
                .setParameter("kind", kind.label())
                .setParameter("now", Instant.now())
                .setMaxResults(1)
                .getResultList()
                .thenCompose(found -> found.isEmpty() ? CompletableFuture.completedFuture(Optional.<ReviewWork>empty())
                        : s.find(ReviewTask.class, found.get(0).taskId())
                        .thenApply(t -> Optional.of(new ReviewWork(t, found.get(0))))));
    }

    /** Every submitted assignment of {@code kind} tasks with its task, oldest first: what agreement is computed on. */
    public CompletionStage<List<ReviewWork>> submitted(ReviewTask.Kind kind) {
        return sessions.withSession(s -> s.createSelectionQuery("select a, t from ReviewAssignment a, ReviewTask t "
                                + "where t.id = a.taskId and a.status = 'submitted' and t.kind = :kind "
                                + "order by a.submittedAt, a.id", Object[].class)
                .setParameter("kind", kind.label())
                .getResultList())
                .thenApply(rows -> {
                    List<ReviewWork> work = new ArrayList<>();
                    rows.forEach(r -> work.add(new ReviewWork((ReviewTask) r[1], (ReviewAssignment) r[0])));
                    return work;
                });
    }

    /**
     * The conversation of {@code promptMessageId} (whoever owns it: reviewers read every conversation), its branch
     * down to that message, and the messages {@code answerIds} among its messages.
     */
    public CompletionStage<ReviewContext> context(UUID promptMessageId, List<UUID> answerIds) {
        return sessions.withSession(s -> s.find(Message.class, promptMessageId).thenCompose(prompt -> {
            if (prompt == null) {
                throw new ReviewException(404, "the conversation of this task was deleted");
            }
            return s.find(ai.kaizen.db.chat.Conversation.class, prompt.conversationId())
                    .thenCompose(conversation -> s.createSelectionQuery(
                                    "from Message where conversationId = :c order by createdAt, id", Message.class)
                            .setParameter("c", prompt.conversationId())
                            .getResultList()
                            .thenApply(all -> {
                                java.util.Map<UUID, Message> answers = new java.util.LinkedHashMap<>();
                                for (Message m : all) {
                                    if (answerIds.contains(m.id())) {
                                        answers.put(m.id(), m);
                                    }
                                }
                                return new ReviewContext(conversation,
                                        ai.kaizen.db.chat.ConversationRepository.branch(all, promptMessageId), answers);
                            }));
        }));
    }

    /** The task, whoever works on it. */
    public CompletionStage<Optional<ReviewTask>> task(UUID id) {
        return sessions.withSession(s -> s.find(ReviewTask.class, id)).thenApply(Optional::ofNullable);
    }
}
