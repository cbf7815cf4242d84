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

    /** The key with this hash unless revoked; records the use. */
    public CompletionStage<Optional<ApiKey>> useActive(String keyHash, Instant now) {
        return sessions.withTransaction(s -> s
                .createSelectionQuery("from ApiKey where keyHash = :hash and revokedAt is null", ApiKey.class)
                .setParameter("hash", keyHash)
                .getResultList()
                .thenApply(keys -> {
                    keys.forEach(k -> k.markUsed(now));
                    return keys.stream().findFirst();
                }));
    }

    public CompletionStage<List<ApiKey>> list() {
        return sessions.withSession(s -> s.createSelectionQuery("from ApiKey order by createdAt", ApiKey.class)
                .getResultList());
    }
}
