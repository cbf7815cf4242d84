package ai.kaizen.db.account;

import org.hibernate.reactive.stage.Stage;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/** Reviewer and operator accounts. */
public final class UserRepository {

    private final Stage.SessionFactory sessions;

    public UserRepository(Stage.SessionFactory sessions) {
        this.sessions = sessions;
    }

    /**
     * Creates an account; fails with {@link IllegalArgumentException} when the name (compared without case) is
     * taken.
     */
    public CompletionStage<User> create(String name, Role role, String passwordHash) {
        return sessions.withTransaction(session -> session
                .createSelectionQuery("from User where lower(name) = lower(:name)", User.class)
                .setParameter("name", name)
                .getResultList()
                .thenCompose(existing -> {
                    if (!existing.isEmpty()) {
                        throw new IllegalArgumentException("a user named '" + name + "' already exists");
                    }
                    User user = new User(name, role, passwordHash);
                    return session.persist(user).thenApply(done -> user);
                }));
    }

    public CompletionStage<Optional<User>> findByName(String name) {
        return sessions.withSession(session -> session
                .createSelectionQuery("from User where lower(name) = lower(:name)", User.class)
                .setParameter("name", name)
                .getResultList()
                .thenApply(users -> users.stream().findFirst()));
    }

    public CompletionStage<Optional<User>> find(long id) {
        return sessions.withSession(session -> session.find(User.class, id)).thenApply(Optional::ofNullable);
    }

    public CompletionStage<List<User>> list() {
        return sessions.withSession(session -> session
                .createSelectionQuery("from User order by name", User.class).getResultList());
    }
}
