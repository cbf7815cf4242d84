package ai.kaizen.db.feedback;

import ai.kaizen.db.chat.Message;
import io.vertx.core.json.JsonArray;
import org.hibernate.LockMode;
import org.hibernate.reactive.stage.Stage;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * Ratings and pairwise comparisons. Every method completes only after its statement or transaction committed, so a
 * caller may acknowledge the feedback as stored. The writes users make ({@link #rateOwnAnswer}, {@link #chooseOwn},
 * {@link #submit}) check that the answer belongs to the caller in the same statement or transaction that writes,
 * and take no row lock beyond the row they write.
 */
public final class FeedbackRepository {

    /**
     * Creates or updates a rating in one statement. Absent parts keep their stored value (or start empty); the
     * unique key (message, rater) makes concurrent writes of one rater update one row. With {@code :owner} the
     * answer must be an assistant message in a conversation of that owner, else nothing is written.
     */
    private static final String UPSERT_RATING = """
            INSERT INTO rating AS r (message_id, rater, thumbs, stars, reasons, comment)
            SELECT m.id, :rater, CAST(:thumbs AS smallint), CAST(:stars AS smallint),
                   ARRAY(SELECT jsonb_array_elements_text(CAST(CAST(:reasons AS text) AS jsonb))), CAST(:comment AS text)
            FROM message m
            WHERE m.id = :message %s
            ON CONFLICT (message_id, rater) DO UPDATE SET
                thumbs = CASE WHEN :setThumbs THEN EXCLUDED.thumbs ELSE r.thumbs END,
                stars = CASE WHEN :setStars THEN EXCLUDED.stars ELSE r.stars END,
                reasons = CASE WHEN :setReasons THEN EXCLUDED.reasons ELSE r.reasons END,
                comment = CASE WHEN :setComment THEN EXCLUDED.comment ELSE r.comment END,
                updated_at = now()
            RETURNING r.id, CAST(r.thumbs AS integer), CAST(r.stars AS integer), CAST(array_to_json(r.reasons) AS text),
                      r.comment, CAST(extract(epoch FROM r.updated_at) * 1000000 AS bigint)""";

    /**
     * The owner of answer {@code m}, read from its conversation by key. Joined on the owner instead, PostgreSQL's
     * generic plan (a cached statement's plan after five runs) can start from all the owner's conversations: an API
     * key owns all of its client's.
     */
    private static final String OWNER_OF_M = "(SELECT c.owner FROM conversation c WHERE c.id = m.conversation_id)";

    private static final String OWN_ANSWER = "AND m.role = 'assistant' AND m.parent_id IS NOT NULL AND "
            + OWNER_OF_M + " = :rater";

    /**
     * Records a verdict on a comparison shown to {@code :rater} and, when the conversation still ends at that pair
     * (its current message is A or B), moves it to the answer that continues it, in one statement. A pair further
     * up, with later turns after it, keeps those turns: the verdict is then a preference only.
     */
    private static final String CHOOSE = """
            WITH decided AS (
                UPDATE pairwise_comparison SET choice = :choice, decided_at = now()
                WHERE id = :id AND rater = :rater
                RETURNING id, answer_a_id, answer_b_id,
                          CASE WHEN choice = 'b' THEN answer_b_id ELSE answer_a_id END AS continuing
            ), moved AS (
                UPDATE conversation c SET current_message_id = d.continuing, updated_at = now()
                FROM decided d, message m
                WHERE m.id = d.continuing AND c.id = m.conversation_id AND c.owner = :rater
                  AND c.current_message_id IN (d.answer_a_id, d.answer_b_id)
                RETURNING c.id
            )
            SELECT d.continuing, EXISTS (SELECT 1 FROM moved) FROM decided d""";

    /**
     * A verdict as stored: the answer it prefers to continue with, and whether the conversation now continues with
     * it (false for a pair further up the conversation than its end).
     */
    public record Chosen(UUID continuing, boolean continuesConversation) {
    }

    /**
     * A choice between two of the caller's answers, in one statement: both answers must be the caller's and answer
     * the same system prompt and the same turns, word for word, or nothing is inserted. Answers to one user message
     * do at once; answers elsewhere do when their prompts' digests ({@link Message#promptSha256}) are equal. Returns
     * whether A and B are the caller's, whether one of them has no digest (an answer stored before digests, see
     * {@link #CHOOSE_BY_WALKING_UP}), and whether the comparison was inserted.
     */
    private static final String CHOOSE_BETWEEN_OWN_ANSWERS = """
            WITH own AS (
                SELECT m.id, m.parent_id, m.prompt_sha256 FROM message m
                WHERE m.id IN (:a, :b) AND m.role = 'assistant' AND m.parent_id IS NOT NULL AND %s = :owner
            ), inserted AS (
                INSERT INTO pairwise_comparison
                    (id, prompt_message_id, answer_a_id, answer_b_id, rater, trigger, choice, decided_at)
                SELECT :id, a.parent_id, a.id, b.id, :owner, 'api', :choice, now()
                FROM own a JOIN own b ON b.id = :b
                WHERE a.id = :a AND (a.parent_id = b.parent_id OR a.prompt_sha256 = b.prompt_sha256)
                RETURNING id
            )
            SELECT EXISTS (SELECT 1 FROM own WHERE id = :a), EXISTS (SELECT 1 FROM own WHERE id = :b),
                   EXISTS (SELECT 1 FROM own WHERE prompt_sha256 IS NULL), EXISTS (SELECT 1 FROM inserted)"""
            .formatted(OWNER_OF_M);

    /**
     * {@link #CHOOSE_BETWEEN_OWN_ANSWERS} for answers to different user messages when one has no digest: compares
     * their prompts by reading both conversations up to their first message. Returns the same as it, the third
     * column being whether the prompts agree.
     */
    private static final String CHOOSE_BY_WALKING_UP = """
            WITH RECURSIVE own AS (
                SELECT m.id, m.parent_id, c.system_prompt FROM message m JOIN conversation c ON c.id = m.conversation_id
                WHERE m.id IN (:a, :b) AND %s = :owner AND m.role = 'assistant' AND m.parent_id IS NOT NULL
            ), turn (answer, parent_id, role, content, depth) AS (
                SELECT o.id, p.parent_id, p.role, p.content, 0
                FROM own o JOIN message p ON p.id = o.parent_id WHERE (SELECT count(DISTINCT parent_id) FROM own) = 2
              UNION ALL
                SELECT t.answer, m.parent_id, m.role, m.content, t.depth + 1
                FROM turn t JOIN message m ON m.id = t.parent_id
            ), prompt AS (
                SELECT answer, jsonb_agg(jsonb_build_array(role, content) ORDER BY depth DESC) AS turns
                FROM turn GROUP BY answer
            ), verdict AS (
                SELECT EXISTS (SELECT 1 FROM own WHERE id = :a) AS has_a,
                       EXISTS (SELECT 1 FROM own WHERE id = :b) AS has_b,
                       (SELECT count(DISTINCT parent_id) FROM own) < 2
                           OR (SELECT count(DISTINCT jsonb_build_array(o.system_prompt, p.turns)) = 1
                                      AND count(*) = 2
                               FROM prompt p JOIN own o ON o.id = p.answer) AS same_prompt
            ), inserted AS (
                INSERT INTO pairwise_comparison
                    (id, prompt_message_id, answer_a_id, answer_b_id, rater, trigger, choice, decided_at)
                SELECT :id, o.parent_id, o.id, :b, :owner, 'api', :choice, now()
                FROM own o, verdict v WHERE o.id = :a AND v.has_a AND v.has_b AND v.same_prompt
                RETURNING id
            )
            SELECT v.has_a, v.has_b, v.same_prompt, EXISTS (SELECT 1 FROM inserted) FROM verdict v"""
            .formatted(OWNER_OF_M);

    private final Stage.SessionFactory sessions;

    public FeedbackRepository(Stage.SessionFactory sessions) {
        this.sessions = sessions;
    }

    /**
     * Creates or updates {@code rater}'s rating of an answer (any answer: reviewers and tests rate others'), in one
     * statement. Concurrent calls for the same answer and rater update one row.
     */
    public CompletionStage<Rating> rate(UUID messageId, String rater, RatingChange change) {
        return sessions.withSession(s -> upsert(s, messageId, rater, change, false))
                .thenApply(rating -> rating.orElseThrow(() -> new IllegalArgumentException("no message " + messageId)));
    }

    /**
     * Creates or updates the rating of one of {@code owner}'s own answers, by {@code owner}, in one statement that
     * also checks the ownership; empty (and nothing written) when the answer is not one of theirs.
     */
    public CompletionStage<Optional<Rating>> rateOwnAnswer(UUID messageId, String owner, RatingChange change) {
        return sessions.withSession(s -> upsert(s, messageId, owner, change, true));
    }

    private static CompletionStage<Optional<Rating>> upsert(Stage.Session s, UUID messageId, String rater,
                                                            RatingChange change, boolean ownAnswer) {
        return s.createNativeQuery(UPSERT_RATING.formatted(ownAnswer ? OWN_ANSWER : ""), Object[].class)
                .setParameter("message", messageId)
                .setParameter("rater", rater)
                .setParameter("thumbs", change.thumbs().filter(t -> t != 0).orElse(null))
                .setParameter("stars", change.stars().filter(t -> t != 0).orElse(null))
                .setParameter("reasons", new JsonArray(new ArrayList<Object>(change.reasons().orElse(List.of())))
                        .encode())
                .setParameter("comment", change.comment().filter(c -> !c.isBlank()).orElse(null))
                .setParameter("setThumbs", change.thumbs().isPresent())
                .setParameter("setStars", change.stars().isPresent())
                .setParameter("setReasons", change.reasons().isPresent())
                .setParameter("setComment", change.comment().isPresent())
                .getResultList()
                .thenApply(rows -> rows.stream().findFirst().map(row -> {
                    List<String> reasons = new ArrayList<>();
                    new JsonArray((String) row[3]).forEach(r -> reasons.add((String) r));
                    long micros = ((Number) row[5]).longValue();
                    return Rating.stored(((Number) row[0]).longValue(), messageId, rater, (Integer) row[1],
                            (Integer) row[2], reasons, (String) row[4],
                            Instant.ofEpochSecond(micros / 1_000_000, micros % 1_000_000 * 1000));
                }));
    }

    /** The ratings of one answer, by every rater. */
    public CompletionStage<List<Rating>> ratings(UUID messageId) {
        return sessions.withSession(s -> s.createSelectionQuery("from Rating where messageId = :m order by id",
                Rating.class).setParameter("m", messageId).getResultList());
    }

    /** {@code rater}'s ratings of the given answers. */
    public CompletionStage<List<Rating>> ratingsBy(String rater, List<UUID> messageIds) {
        if (messageIds.isEmpty()) {
            return CompletableFuture.completedFuture(List.of());
        }
        return sessions.withSession(s -> s
                .createSelectionQuery("from Rating where rater = :r and messageId in (:ids)", Rating.class)
                .setParameter("r", rater).setParameter("ids", messageIds).getResultList());
    }

    public CompletionStage<PairwiseComparison> createComparison(PairwiseComparison comparison) {
        return sessions.withTransaction(s -> s.persist(comparison)).thenApply(done -> comparison);
    }

    /** The comparison, if it exists and was shown to {@code rater}. */
    public CompletionStage<Optional<PairwiseComparison>> findComparison(UUID id, String rater) {
        return sessions.withSession(s -> s.find(PairwiseComparison.class, id))
                .thenApply(c -> Optional.ofNullable(c).filter(found -> found.rater().equals(rater)));
    }

    /** Records the verdict (a later verdict replaces an earlier one). */
    public CompletionStage<PairwiseComparison> decide(UUID id, PairwiseComparison.Choice choice) {
        return sessions.withTransaction(s -> s.find(PairwiseComparison.class, id, LockMode.PESSIMISTIC_WRITE)
                .thenApply(comparison -> {
                    comparison.decide(choice);
                    return comparison;
                }));
    }

    /**
     * Records {@code rater}'s verdict on a comparison shown to them (a later verdict replaces an earlier one) and
     * moves the conversation on to the answer that continues it when the pair is where the conversation ends, in one
     * statement. Empty, and nothing written, when no such comparison was shown to {@code rater}.
     */
    public CompletionStage<Optional<Chosen>> chooseOwn(UUID id, String rater, PairwiseComparison.Choice choice) {
        return sessions.withSession(s -> s.createNativeQuery(CHOOSE, Object[].class)
                .setParameter("id", id)
                .setParameter("rater", rater)
                .setParameter("choice", choice.label())
                .getResultList()
                .thenApply(rows -> rows.stream().findFirst()
                        .map(row -> new Chosen((UUID) row[0], (Boolean) row[1]))));
    }

    /** Comparisons still waiting for a verdict whose prompt is {@code promptMessageId}. */
    public CompletionStage<List<PairwiseComparison>> comparisonsFor(UUID promptMessageId) {
        return sessions.withSession(s -> s.createSelectionQuery(
                        "from PairwiseComparison where promptMessageId = :p order by createdAt", PairwiseComparison.class)
                .setParameter("p", promptMessageId).getResultList());
    }

    /**
     * Feedback an API client sends about one of its answers: a rating, and/or a choice between it (A) and another
     * of its answers to the same prompt (B). With an idempotency key, the request is remembered with its response.
     *
     * @param requestSha256 a digest of the request, to tell a retry from another request reusing the key
     */
    public record ApiFeedback(String principal, UUID answer, Optional<RatingChange> rating,
                              Optional<UUID> comparedWith, Optional<PairwiseComparison.Choice> choice,
                              Optional<String> idempotencyKey, String requestSha256) {
    }

    /** What {@link #submit} did. */
    public sealed interface Outcome {
        /** Stored, with the response that was recorded for the idempotency key (if any). */
        record Stored(String response) implements Outcome {
        }

        /** A retry: the response of the first request with this key; nothing new was stored. */
        record Replayed(String response) implements Outcome {
        }

        /** The key was used before for a different request; nothing was stored. */
        record KeyReused() implements Outcome {
        }

        /** The answer (A or B) is not one of the caller's; nothing was stored. */
        record NotFound(UUID answer) implements Outcome {
        }

        /** A and B answer different prompts; nothing was stored. */
        record DifferentPrompts() implements Outcome {
        }
    }

    /** What was written, for the response. */
    public record Written(Optional<Rating> rating, Optional<UUID> comparisonId) {
    }

    /**
     * Stores an API client's feedback, checking that both answers are the caller's and answer the same prompt: all
     * of it or none of it is stored. A rating alone or a choice alone is one statement with its checks inside it;
     * more (both, or an idempotency key) is one transaction. With an idempotency key, a second request with the same
     * key (even one sent while the first is still being stored) waits for the first and gets its response.
     *
     * @param response the response to the request, recorded with the key
     */
    public CompletionStage<Outcome> submit(ApiFeedback request, Function<Written, String> response) {
        if (request.idempotencyKey().isEmpty() && request.comparedWith().isEmpty()
                && request.rating().isPresent()) {
            // A rating alone is one statement, which checks the ownership itself.
            return rateOwnAnswer(request.answer(), request.principal(), request.rating().get())
                    .thenApply(rating -> rating.isEmpty() ? new Outcome.NotFound(request.answer())
                            : new Outcome.Stored(response.apply(new Written(rating, Optional.empty()))));
        }
        CompletionStage<Outcome> stored;
        if (request.idempotencyKey().isEmpty() && request.rating().isEmpty() && request.comparedWith().isPresent()) {
            // So is a choice alone, with both checks inside it.
            stored = sessions.withSession(s -> choose(s, request)).thenApply(comparison -> new Outcome.Stored(
                    response.apply(new Written(Optional.empty(), Optional.of(comparison)))));
        } else {
            stored = sessions.withTransaction(s -> claim(s, request).thenCompose(earlier -> {
                if (earlier.isPresent()) {
                    return CompletableFuture.completedFuture(earlier.get());
                }
                CompletionStage<Optional<UUID>> compared = request.comparedWith().isEmpty()
                        ? CompletableFuture.completedFuture(Optional.empty())
                        : choose(s, request).thenApply(Optional::of);
                return compared.thenCompose(comparison -> (request.rating().isEmpty()
                                ? CompletableFuture.completedFuture(Optional.<Rating>empty())
                                : upsert(s, request.answer(), request.principal(), request.rating().get(), true)
                                        .thenApply(rating -> {
                                            if (rating.isEmpty()) {
                                                throw new Refused(new Outcome.NotFound(request.answer()));
                                            }
                                            return rating;
                                        }))
                                .thenApply(rating -> new Written(rating, comparison)))
                        .thenCompose(written -> {
                            String json = response.apply(written);
                            return remember(s, request, json).thenApply(done -> (Outcome) new Outcome.Stored(json));
                        });
            }));
        }
        return stored.exceptionally(e -> {
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            if (cause instanceof Refused refused) {
                return refused.outcome;
            }
            throw e instanceof CompletionException c ? c : new CompletionException(e);
        });
    }

    /**
     * Runs {@link #CHOOSE_BETWEEN_OWN_ANSWERS}, and {@link #CHOOSE_BY_WALKING_UP} when it could not compare the
     * prompts: the new comparison's id, or a {@link Refused} failure.
     */
    private static CompletionStage<UUID> choose(Stage.Session s, ApiFeedback request) {
        UUID id = UUID.randomUUID();
        UUID b = request.comparedWith().orElseThrow();
        return choice(s, CHOOSE_BETWEEN_OWN_ANSWERS, id, request).thenCompose(row -> {
            if (!Boolean.TRUE.equals(row[0])) {
                throw new Refused(new Outcome.NotFound(request.answer()));
            }
            if (!Boolean.TRUE.equals(row[1])) {
                throw new Refused(new Outcome.NotFound(b));
            }
            if (Boolean.TRUE.equals(row[3])) {
                return CompletableFuture.completedFuture(id);
            }
            if (!Boolean.TRUE.equals(row[2])) {
                throw new Refused(new Outcome.DifferentPrompts());
            }
            return choice(s, CHOOSE_BY_WALKING_UP, id, request).thenApply(walked -> {
                if (!Boolean.TRUE.equals(walked[2]) || !Boolean.TRUE.equals(walked[3])) {
                    throw new Refused(new Outcome.DifferentPrompts());
                }
                return id;
            });
        });
    }

    private static CompletionStage<Object[]> choice(Stage.Session s, String statement, UUID id,
                                                    ApiFeedback request) {
        return s.createNativeQuery(statement, Object[].class)
                .setParameter("id", id)
                .setParameter("a", request.answer())
                .setParameter("b", request.comparedWith().orElseThrow())
                .setParameter("owner", request.principal())
                .setParameter("choice", request.choice().orElseThrow().label())
                .getSingleResult();
    }

    /** The earlier outcome when the key was used before; otherwise claims the key for this request. */
    private static CompletionStage<Optional<Outcome>> claim(Stage.Session s, ApiFeedback request) {
        if (request.idempotencyKey().isEmpty()) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        String key = request.idempotencyKey().get();
        // A concurrent first request holds the key's index entry until it commits or rolls back: this waits.
        return s.createNativeQuery("INSERT INTO feedback_request (principal, idempotency_key, request_sha256) "
                        + "VALUES (:principal, :key, :sha) ON CONFLICT DO NOTHING")
                .setParameter("principal", request.principal())
                .setParameter("key", key)
                .setParameter("sha", request.requestSha256())
                .executeUpdate()
                .thenCompose(claimed -> claimed == 1 ? CompletableFuture.completedFuture(Optional.<Outcome>empty())
                        : s.createNativeQuery("SELECT request_sha256, CAST(response AS text) FROM feedback_request "
                                        + "WHERE principal = :principal AND idempotency_key = :key", Object[].class)
                                .setParameter("principal", request.principal())
                                .setParameter("key", key)
                                .getSingleResult()
                                .thenApply(row -> Optional.of(request.requestSha256().equals(row[0])
                                        ? new Outcome.Replayed((String) row[1]) : new Outcome.KeyReused())));
    }

    private static CompletionStage<Void> remember(Stage.Session s, ApiFeedback request, String response) {
        if (request.idempotencyKey().isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        return s.createNativeQuery("UPDATE feedback_request SET response = CAST(CAST(:response AS text) AS jsonb) "
                        + "WHERE principal = :principal AND idempotency_key = :key")
                .setParameter("response", response)
                .setParameter("principal", request.principal())
                .setParameter("key", request.idempotencyKey().get())
                .executeUpdate()
                .thenApply(updated -> null);
    }

    /** Removes remembered idempotency keys older than {@code before}; returns how many. */
    public CompletionStage<Integer> forgetRequestsBefore(Instant before) {
        return sessions.withTransaction(s -> s.createNativeQuery(
                        "DELETE FROM feedback_request WHERE created_at < :before")
                .setParameter("before", before)
                .executeUpdate());
    }

    /** A refusal that rolls the transaction back. */
    private static final class Refused extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient Outcome outcome;

        Refused(Outcome outcome) {
            super(outcome.toString(), null, false, false);
            this.outcome = outcome;
        }
    }
}
