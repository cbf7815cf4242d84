package ai.kaizen.db.feedback;

import org.hibernate.LockMode;
import org.hibernate.reactive.stage.Stage;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionStage;

/**
 * Ratings and pairwise comparisons. Every method completes only after its transaction committed, so a caller may
 * acknowledge the feedback as stored.
 */
public final class FeedbackRepository {

    private final Stage.SessionFactory sessions;

    public FeedbackRepository(Stage.SessionFactory sessions) {
        this.sessions = sessions;
    }

    /**
     * Creates or updates {@code rater}'s rating of an answer. Concurrent calls for the same answer and rater are
     * serialised by a row lock, so there is never more than one row.
     */
    public CompletionStage<Rating> rate(UUID messageId, String rater, RatingChange change) {
        return sessions.withTransaction(s -> s
                .createNativeQuery("INSERT INTO rating (message_id, rater) VALUES (:message, :rater) "
                        + "ON CONFLICT (message_id, rater) DO NOTHING")
                .setParameter("message", messageId)
                .setParameter("rater", rater)
                .executeUpdate()
                .thenCompose(inserted -> s
                        .createSelectionQuery("from Rating where messageId = :message and rater = :rater",
                                Rating.class)
                        .setParameter("message", messageId)
                        .setParameter("rater", rater)
                        .setLockMode(LockMode.PESSIMISTIC_WRITE)
                        .getSingleResult())
                .thenApply(rating -> {
                    rating.apply(change);
                    return rating;
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
            return java.util.concurrent.CompletableFuture.completedFuture(List.of());
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

    /** Comparisons still waiting for a verdict whose prompt is {@code promptMessageId}. */
    public CompletionStage<List<PairwiseComparison>> comparisonsFor(UUID promptMessageId) {
        return sessions.withSession(s -> s.createSelectionQuery(
                        "from PairwiseComparison where promptMessageId = :p order by createdAt", PairwiseComparison.class)
                .setParameter("p", promptMessageId).getResultList());
    }
}
