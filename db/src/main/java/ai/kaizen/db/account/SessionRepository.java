package ai.kaizen.db.account;

import org.hibernate.reactive.stage.Stage;

import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/** Browser sessions, by the hash of their cookie token. */
public final class SessionRepository {

    private final Stage.SessionFactory sessions;

    public SessionRepository(Stage.SessionFactory sessions) {
        this.sessions = sessions;
    }

    public CompletionStage<WebSession> create(WebSession session) {
        return sessions.withTransaction(s -> s.persist(session)).thenApply(done -> session);
    }

    /** The session with this id, unless it has expired. */
    public CompletionStage<Optional<WebSession>> findLive(String id, Instant now) {
        return sessions.withSession(s -> s.find(WebSession.class, id))
                .thenApply(found -> Optional.ofNullable(found).filter(ws -> ws.expiresAt().isAfter(now)));
    }

    /** Records activity and pushes the expiry out (sliding expiry). */
    public CompletionStage<Void> touch(String id, Instant now, Instant newExpiry) {
        return sessions.withTransaction(s -> s
                .createMutationQuery("update WebSession set lastSeenAt = :now, expiresAt = :expiry where id = :id")
                .setParameter("now", now).setParameter("expiry", newExpiry).setParameter("id", id)
                .executeUpdate()).thenApply(rows -> null);
    }

    public CompletionStage<Void> delete(String id) {
        return sessions.withTransaction(s -> s.createMutationQuery("delete from WebSession where id = :id")
                .setParameter("id", id).executeUpdate()).thenApply(rows -> null);
    }

    /** Removes expired sessions; returns how many. */
    public CompletionStage<Integer> deleteExpired(Instant now) {
        return sessions.withTransaction(s -> s.createMutationQuery("delete from WebSession where expiresAt <= :now")
                .setParameter("now", now).executeUpdate());
    }
}
