package ai.kaizen.db.setting;

import org.hibernate.reactive.stage.Stage;

import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/** Reads and writes {@link Setting}s. */
public final class SettingRepository {

    private final Stage.SessionFactory sessions;

    public SettingRepository(Stage.SessionFactory sessions) {
        this.sessions = Objects.requireNonNull(sessions);
    }

    /** The value stored under {@code key}, if any. */
    public CompletionStage<Optional<String>> find(String key) {
        return sessions.withSession(session -> session.find(Setting.class, key))
                .thenApply(setting -> Optional.ofNullable(setting).map(Setting::value));
    }

    /** Stores {@code value} under {@code key}, replacing what was there; completes once committed. */
    public CompletionStage<Void> put(String key, String value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        return sessions.withTransaction(session -> session.find(Setting.class, key)
                .thenCompose(existing -> {
                    if (existing == null) {
                        return session.persist(new Setting(key, value));
                    }
                    existing.change(value);
                    return session.flush();
                }));
    }
}
