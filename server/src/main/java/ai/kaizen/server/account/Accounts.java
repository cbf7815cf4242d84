package ai.kaizen.server.account;

import ai.kaizen.db.account.ApiKey;
import ai.kaizen.db.account.ApiKeyRepository;
import ai.kaizen.db.account.Role;
import ai.kaizen.db.account.User;
import ai.kaizen.db.account.UserRepository;

import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/** Creating accounts and API keys, and checking credentials. */
public final class Accounts {

    /** API keys look like {@code kz-<43 characters>}; the first characters are kept to recognise a key by. */
    public static final String API_KEY_PREFIX = "kz-";
    private static final int SHOWN_PREFIX = 10;

    private final UserRepository users;
    private final ApiKeyRepository apiKeys;
    private final Executor hashing;

    /**
     * @param hashing where Argon2id runs (tens of milliseconds of CPU each): a worker pool in the server, the
     *                calling thread in a command
     */
    public Accounts(UserRepository users, ApiKeyRepository apiKeys, Executor hashing) {
        this.users = users;
        this.apiKeys = apiKeys;
        this.hashing = hashing;
    }

    /** A new reviewer or operator; fails with {@link IllegalArgumentException} on a bad name, password or role. */
    public CompletionStage<User> createUser(String name, Role role, String password) {
        String trimmed = name == null ? "" : name.strip();
        if (!trimmed.matches("[\\p{L}\\p{N}._@-]{2,100}")) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(
                    "the name must be 2 to 100 letters, digits or . _ @ -"));
        }
        if (role == Role.END_USER) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("the role must be reviewer or operator"));
        }
        return CompletableFuture.supplyAsync(() -> Passwords.hash(password), hashing)
                .thenCompose(hash -> users.create(trimmed, role, hash));
    }

    /** The user if the name and password match an enabled account. Slow on purpose (Argon2id): off the event loop. */
    public CompletionStage<Optional<User>> checkPassword(String name, String password) {
        return users.findByName(name == null ? "" : name.strip()).thenApplyAsync(found -> {
            if (found.isEmpty()) {
                Passwords.verifyDummy(password);
                return Optional.empty();
            }
            User user = found.get();
            return Passwords.verify(password, user.passwordHash()) && !user.isDisabled() ? found : Optional.empty();
        }, hashing);
    }

    /** A new API key: the stored record and the key itself, which is shown once and never stored. */
    public record NewApiKey(ApiKey record, String key) {
    }

    public CompletionStage<NewApiKey> createApiKey(String name) {
        String trimmed = name == null ? "" : name.strip();
        if (trimmed.isEmpty() || trimmed.length() > 100) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("the name must be 1 to 100 characters"));
        }
        String key = API_KEY_PREFIX + Tokens.random();
        return apiKeys.create(trimmed, key.substring(0, SHOWN_PREFIX), Tokens.sha256(key))
                .thenApply(record -> new NewApiKey(record, key));
    }

    /** The caller an API key stands for, if the key is known and not revoked. */
    public CompletionStage<Optional<Caller>> checkApiKey(String key) {
        if (key == null || !key.startsWith(API_KEY_PREFIX) || key.length() > 100) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        return apiKeys.useActive(Tokens.sha256(key), Instant.now())
                .thenApply(found -> found.map(k -> Caller.apiKey(k.id())));
    }
}
