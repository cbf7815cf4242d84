package ai.kaizen.db.audit;

import ai.kaizen.db.NativeValues;
import org.hibernate.reactive.stage.Stage;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletionStage;

/** What operators did, appended and never changed. */
public final class AuditLog {

    /** One action: who, what, and its details as a JSON object. */
    public record Entry(long id, Instant at, String actor, String action, String details) {
    }

    private final Stage.SessionFactory sessions;

    public AuditLog(Stage.SessionFactory sessions) {
        this.sessions = Objects.requireNonNull(sessions);
    }

    /** Appends one entry; {@code detailsJson} is a JSON object. */
    public CompletionStage<Void> record(String actor, String action, String detailsJson) {
        return sessions.withTransaction(s -> s.createNativeQuery(
                        "INSERT INTO audit_log (actor, action, details)"
                                + " VALUES (:actor, :action, cast(cast(:details AS text) AS jsonb))")
                .setParameter("actor", actor)
                .setParameter("action", action)
                .setParameter("details", detailsJson)
                .executeUpdate()
                .thenApply(n -> null));
    }

    /** The newest {@code limit} entries, newest first. */
    public CompletionStage<List<Entry>> newest(int limit) {
        return sessions.withSession(s -> s.createNativeQuery(
                        "SELECT id, at, actor, action, details::text FROM audit_log ORDER BY id DESC LIMIT :n",
                        Object[].class)
                .setParameter("n", limit)
                .getResultList())
                .thenApply(rows -> rows.stream().map(r -> new Entry(((Number) r[0]).longValue(),
                        NativeValues.instant(r[1]), (String) r[2], (String) r[3], (String) r[4])).toList());
    }
}
