package ai.kaizen.db.account;

import org.hibernate.reactive.stage.Stage;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/** API keys, by the hash of the key. */
public final class ApiKeyRepository {

    private final Stage.SessionFactory sessions;

    public ApiKeyRepository(Stage.SessionFactory sessions) {
        this.sessions = sessions;
    }

    public CompletionStage<ApiKey> create(String name, String prefix, String keyHash) {
        ApiKey key = new ApiKey(name, prefix, keyHash);
        return sessions.withTransaction(s -> s.persist(key)).thenApply(done -> key);
    }

    /** The key with this hash unless revoked. Reads only: recording uses is {@link #recordUse}'s job. */
    public CompletionStage<Optional<ApiKey>> findActive(String keyHash) {
        return sessions.withSession(s -> s
                .createSelectionQuery("from ApiKey where keyHash = :hash and revokedAt is null", ApiKey.class)
                .setParameter("hash", keyHash)
                .getResultList()
                .thenApply(keys -> keys.stream().findFirst()));
    }

    /**
     * Records that the key was used at {@code when} (never moving the time back). Callers sample: one such write per
     * request would make every request under one key wait for that key's row lock.
     */
    public CompletionStage<Void> recordUse(long keyId, Instant when) {
        return sessions.withTransaction(s -> s
                .createMutationQuery("update ApiKey set lastUsedAt = :when where id = :id "
                        + "and (lastUsedAt is null or lastUsedAt < :when)")
                .setParameter("when", when).setParameter("id", keyId)
                .executeUpdate()).thenApply(rows -> null);
    }

    /** Revokes the key with this id; returns whether there was one still active. */
    public CompletionStage<Boolean> revoke(long keyId) {
        return sessions.withTransaction(s -> s
                .createMutationQuery("update ApiKey set revokedAt = :now where id = :id and revokedAt is null")
                .setParameter("now", Instant.now()).setParameter("id", keyId)
                .executeUpdate()).thenApply(rows -> rows > 0);
    }

    public CompletionStage<List<ApiKey>> list() {
        return sessions.withSession(s -> s.createSelectionQuery("from ApiKey order by createdAt", ApiKey.class)
                .getResultList());
    }
}
