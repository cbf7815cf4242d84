package ai.kaizen.db.cycle;

import ai.kaizen.db.NativeValues;
import org.hibernate.reactive.stage.Stage;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletionStage;

/**
 * How much feedback there is, for the console's overview and the "enough new data" schedule: counts since a
 * moment, and the rating trend of each model version by day.
 */
public final class FeedbackCounts {

    /**
     * Feedback that arrived in a period: from users (conversations, ratings, pairwise choices) and from reviewers
     * (rankings of candidate answers and ideal answers, counted per reviewer's submission, when first submitted).
     */
    public record Counts(long conversations, long ratings, long pairwiseChoices, long rankings, long idealAnswers) {
        /** Ratings and pairwise choices together: what a new cycle learns from. */
        public long preferences() {
            return ratings + pairwiseChoices;
        }
    }

    /** The ratings one model version received on one day. */
    public record DailyRatings(String modelVersion, Instant day, long ratings, Double meanStars,
                               Double thumbsUpShare) {
    }

    private final Stage.SessionFactory sessions;

    public FeedbackCounts(Stage.SessionFactory sessions) {
        this.sessions = Objects.requireNonNull(sessions);
    }

    /** Feedback created at or after {@code from}. */
    public CompletionStage<Counts> since(Instant from) {
        return sessions.withSession(s -> s.createNativeQuery("SELECT"
                        + " (SELECT count(*) FROM conversation WHERE created_at >= :f),"
                        + " (SELECT count(*) FROM rating WHERE created_at >= :f),"
                        + " (SELECT count(*) FROM pairwise_comparison WHERE choice IS NOT NULL AND decided_at >= :f),"
                        + " (SELECT count(*) FROM review_assignment WHERE status = 'submitted'"
                        + " AND ranking IS NOT NULL AND submitted_at >= :f),"
                        + " (SELECT count(*) FROM review_assignment WHERE status = 'submitted'"
                        + " AND ideal_message_id IS NOT NULL AND submitted_at >= :f)",
                        Object[].class)
                .setParameter("f", from)
                .getSingleResult())
                .thenApply(r -> new Counts(((Number) r[0]).longValue(), ((Number) r[1]).longValue(),
                        ((Number) r[2]).longValue(), ((Number) r[3]).longValue(), ((Number) r[4]).longValue()));
    }

    /** Ratings by answering model version and day (UTC), oldest first, from {@code from} on. */
    public CompletionStage<List<DailyRatings>> ratingTrend(Instant from) {
        return sessions.withSession(s -> s.createNativeQuery("SELECT coalesce(m.model_version, 'unknown'),"
                        + " date_trunc('day', r.created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS day,"
                        + " count(*), avg(r.stars)::float8,"
                        + " (count(*) FILTER (WHERE r.thumbs = 1))::float8 / nullif(count(r.thumbs), 0)"
                        + " FROM rating r JOIN message m ON m.id = r.message_id WHERE r.created_at >= :f"
                        + " GROUP BY 1, 2 ORDER BY 2, 1", Object[].class)
                .setParameter("f", from)
                .getResultList())
                .thenApply(rows -> rows.stream().map(r -> new DailyRatings((String) r[0],
                        NativeValues.instant(r[1]), ((Number) r[2]).longValue(),
                        r[3] == null ? null : ((Number) r[3]).doubleValue(),
                        r[4] == null ? null : ((Number) r[4]).doubleValue())).toList());
    }
}
