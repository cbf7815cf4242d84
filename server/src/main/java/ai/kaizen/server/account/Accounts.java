package ai.kaizen.server.account;

import ai.kaizen.db.account.ApiKey;
import ai.kaizen.db.account.ApiKeyRepository;
import ai.kaizen.db.account.Role;
import ai.kaizen.db.account.User;
import ai.kaizen.db.account.UserRepository;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

import ai.kaizen.server.http.OwnContext;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Creating accounts and API keys, and checking credentials. */
public final class Accounts {

    /** API keys look like {@code kz-<43 characters>}; the first characters are kept to recognise a key by. */
    public static final String API_KEY_PREFIX = "kz-";
    private static final int SHOWN_PREFIX = 10;
    /** A key's {@code last_used_at} is written at most this often (by each server): a day's usage, not a hot row. */
    static final Duration RECORD_USE_EVERY = Duration.ofMinutes(1);
    private static final Logger log = LoggerFactory.getLogger(Accounts.class);

    private final UserRepository users;
    private final ApiKeyRepository apiKeys;
    private final Executor hashing;
    private final CredentialCache cache;
    /** When each key's use was last recorded by this server. */
    private final Map<Long, Instant> usesRecorded = new ConcurrentHashMap<>();

    /**
     * @param hashing where Argon2id runs (tens of milliseconds of CPU each): a worker pool in the server, the
     *                calling thread in a command
     */
    public Accounts(UserRepository users, ApiKeyRepository apiKeys, Executor hashing) {
        this(users, apiKeys, hashing, CredentialCache.disabled());
    }

    /** @param cache where keys looked up lately are kept (the server's; see {@link CredentialCache}) */
    public Accounts(UserRepository users, ApiKeyRepository apiKeys, Executor hashing, CredentialCache cache) {
        this.users = users;
        this.apiKeys = apiKeys;
        this.hashing = hashing;
        this.cache = cache;
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

    /**
     * The caller an API key stands for, if the key is known and not revoked. The use is recorded at most once per
     * {@link #RECORD_USE_EVERY} and key, without the request waiting for it.
     */
    public CompletionStage<Optional<Caller>> checkApiKey(String key) {
        if (key == null || !key.startsWith(API_KEY_PREFIX) || key.length() > 100) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        String hash = Tokens.sha256(key);
        Optional<Long> cached = cache.apiKey(hash);
        if (cached.isPresent()) {
            recordUse(cached.get());
            return CompletableFuture.completedFuture(Optional.of(Caller.apiKey(cached.get())));
        }
        long generation = cache.generation();
        return apiKeys.findActive(hash).thenApply(found -> found.map(k -> {
            cache.putApiKey(hash, k.id(), generation);
            recordUse(k.id());
            return Caller.apiKey(k.id());
        }));
    }

    private void recordUse(long keyId) {
        Instant now = Instant.now();
        boolean[] due = {false};
        usesRecorded.compute(keyId, (id, last) -> {
            due[0] = last == null || !last.plus(RECORD_USE_EVERY).isAfter(now);
            return due[0] ? now : last;
        });
        if (due[0]) {
            Runnable write = () -> apiKeys.recordUse(keyId, now).whenComplete((done, e) -> {
                if (e != null) {
                    log.debug("could not record the use of API key {}: {}", keyId, e.getMessage());
                }
            });
            // The request does not wait for it, so it must not share the request's database session: a context
            // of its own (see OwnContext).
            Context context = Vertx.currentContext();
            if (context == null) {
                write.run();
            } else {
                OwnContext.run(context.owner(), write);
            }
        }
    }
}
