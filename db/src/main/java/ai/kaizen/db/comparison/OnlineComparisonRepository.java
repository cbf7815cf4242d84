package ai.kaizen.db.comparison;

import ai.kaizen.db.NativeValues;
import org.hibernate.reactive.stage.Stage;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * The online comparisons, and the tally of the users' choices between their two versions. Starting or ending one
 * is announced on {@link #CHANNEL}, so that every server loads (or releases) the challenger at once.
 */
public final class OnlineComparisonRepository {

    /** The LISTEN/NOTIFY channel on which starting or ending a comparison is announced (no payload). */
    public static final String CHANNEL = "kaizen_online_comparison";

    private static final String COLUMNS = "c.id, c.baseline_version_id, b.label, c.challenger_version_id, h.label,"
            + " c.share, c.reason, c.started_by, c.started_at, c.ended_at"
            + " FROM online_comparison c JOIN model_version b ON b.id = c.baseline_version_id"
            + " JOIN model_version h ON h.id = c.challenger_version_id";

    /** "Until now" for a comparison still running: later than any row. */
    private static final Instant NO_END = Instant.parse("9999-01-01T00:00:00Z");

    private final Stage.SessionFactory sessions;

    public OnlineComparisonRepository(Stage.SessionFactory sessions) {
        this.sessions = Objects.requireNonNull(sessions);
    }

    /** The comparison running now, if any. */
    public CompletionStage<Optional<OnlineComparison>> running() {
        return sessions.withSession(s -> s.createNativeQuery("SELECT " + COLUMNS + " WHERE c.ended_at IS NULL",
                        Object[].class).getResultList())
                .thenApply(rows -> rows.stream().findFirst().map(OnlineComparisonRepository::comparison));
    }

    /** The newest comparisons, newest first. */
    public CompletionStage<List<OnlineComparison>> newest(int limit) {
        return sessions.withSession(s -> s.createNativeQuery("SELECT " + COLUMNS + " ORDER BY c.id DESC",
                        Object[].class).setMaxResults(limit).getResultList())
                .thenApply(rows -> rows.stream().map(OnlineComparisonRepository::comparison).toList());
    }

    /** Ends the running comparison (if any) and starts this one, in one transaction. */
    public CompletionStage<OnlineComparison> start(long baselineVersionId, long challengerVersionId, double share,
                                                   String reason, String actor) {
        return sessions.withTransaction(s -> s.createNativeQuery(
                                "UPDATE online_comparison SET ended_at = now() WHERE ended_at IS NULL")
                        .executeUpdate()
                        .thenCompose(ended -> s.createNativeQuery("INSERT INTO online_comparison (baseline_version_id,"
                                        + " challenger_version_id, share, reason, started_by) VALUES (:b, :c, :s, :r, :a)"
                                        + " RETURNING id", Object.class)
                                .setParameter("b", baselineVersionId)
                                .setParameter("c", challengerVersionId)
                                .setParameter("s", share)
                                .setParameter("r", reason)
                                .setParameter("a", actor)
                                .getSingleResult())
                        .thenCompose(id -> announce(s).thenApply(done -> id)))
                .thenCompose(id -> find(((Number) id).longValue()))
                .thenApply(Optional::orElseThrow);
    }

    public CompletionStage<Optional<OnlineComparison>> find(long id) {
        return sessions.withSession(s -> s.createNativeQuery("SELECT " + COLUMNS + " WHERE c.id = :id",
                        Object[].class).setParameter("id", id).getResultList())
                .thenApply(rows -> rows.stream().findFirst().map(OnlineComparisonRepository::comparison));
    }

    /** Ends the running comparison; completes with whether one was running. */
    public CompletionStage<Boolean> stop() {
        return sessions.withTransaction(s -> s.createNativeQuery(
                        "UPDATE online_comparison SET ended_at = now() WHERE ended_at IS NULL").executeUpdate()
                        .thenCompose(n -> n > 0 ? announce(s).thenApply(done -> true)
                                : java.util.concurrent.CompletableFuture.completedFuture(false)));
    }

    /** Tells every listening server, when the transaction commits, that the running comparison changed. */
    private static CompletionStage<Object> announce(Stage.Session s) {
        return s.createNativeQuery("SELECT pg_notify(:channel, '')").setParameter("channel", CHANNEL)
                .getSingleResult();
    }

    /**
     * The pairwise choices made from {@code from} until {@code to} (null: now) between one answer of
     * {@code baseline} and one of {@code challenger} (model version labels, as every stored answer records them),
     * whichever side each was shown on: ties and "both bad" included, pairs nobody chose from left out.
     */
    public CompletionStage<Tally> tally(String baseline, String challenger, Instant from, Instant to) {
        return sessions.withSession(s -> s.createNativeQuery("SELECT"
                                + " count(*) FILTER (WHERE (p.choice = 'a' AND a.model_version = :b)"
                                + "   OR (p.choice = 'b' AND b.model_version = :b)),"
                                + " count(*) FILTER (WHERE (p.choice = 'a' AND a.model_version = :c)"
                                + "   OR (p.choice = 'b' AND b.model_version = :c)),"
                                + " count(*) FILTER (WHERE p.choice = 'tie'),"
                                + " count(*) FILTER (WHERE p.choice = 'both_bad')"
                                + " FROM pairwise_comparison p JOIN message a ON a.id = p.answer_a_id"
                                + " JOIN message b ON b.id = p.answer_b_id"
                                + " WHERE p.choice IS NOT NULL AND p.created_at >= :from"
                                + " AND p.created_at < :to"
                                + " AND ((a.model_version = :b AND b.model_version = :c)"
                                + "   OR (a.model_version = :c AND b.model_version = :b))", Object[].class)
                        .setParameter("b", baseline)
                        .setParameter("c", challenger)
                        .setParameter("from", from)
                        .setParameter("to", to == null ? NO_END : to)
                        .getSingleResult())
                .thenApply(r -> new Tally(((Number) r[0]).longValue(), ((Number) r[1]).longValue(),
                        ((Number) r[2]).longValue(), ((Number) r[3]).longValue()));
    }

    private static OnlineComparison comparison(Object[] r) {
        return new OnlineComparison(((Number) r[0]).longValue(), ((Number) r[1]).longValue(), (String) r[2],
                ((Number) r[3]).longValue(), (String) r[4], ((Number) r[5]).doubleValue(), (String) r[6],
                (String) r[7], NativeValues.instant(r[8]), r[9] == null ? null : NativeValues.instant(r[9]));
    }
}
