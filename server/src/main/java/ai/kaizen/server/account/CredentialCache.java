package ai.kaizen.server.account;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;

/**
 * Sessions and API keys looked up in the last few seconds, so that a request needs no database read to know its
 * caller. Anything that takes access away is forgotten at once: this server's sign-outs directly, and every change
 * made anywhere (another instance, an admin command, plain SQL) through the database's notices on {@link #CHANNEL}
 * ({@code session:<id>}, {@code key:<hash>}, {@code user:<id>}, sent by triggers), which {@link #forget} receives.
 * When the notices' connection was lost, {@link #forgetAll} runs. The cache time bounds how stale an entry can be
 * only while notices cannot arrive.
 *
 * <p>A lookup that started before something was forgotten must not put what it read back: every {@code put} says
 * which {@link #generation()} it started in and is undone when anything was forgotten since.
 */
public final class CredentialCache {

    /** The channel the credential triggers notify (see migration V10). */
    public static final String CHANNEL = "kaizen_credentials";
    private static final long MAX_ENTRIES = 100_000;

    /** A live browser session as last read, with what its caller is. */
    public record CachedSession(Caller caller, Long userId, Instant lastSeenAt, Instant expiresAt) {

        public CachedSession touched(Instant now, Instant newExpiry) {
            return new CachedSession(caller, userId, now, newExpiry);
        }
    }

    private final Cache<String, CachedSession> sessions;
    private final Cache<String, Long> apiKeys;
    private final AtomicLong generation = new AtomicLong();

    /** @param ttl how long an entry is kept; zero keeps none */
    public CredentialCache(Duration ttl) {
        long size = ttl.isZero() ? 0 : MAX_ENTRIES;
        this.sessions = Caffeine.newBuilder().expireAfterWrite(ttl).maximumSize(size).build();
        this.apiKeys = Caffeine.newBuilder().expireAfterWrite(ttl).maximumSize(size).build();
    }

    /** A cache that keeps nothing (one-shot commands). */
    public static CredentialCache disabled() {
        return new CredentialCache(Duration.ZERO);
    }

    /** Changes whenever something is forgotten; read it before a lookup whose result will be put. */
    public long generation() {
        return generation.get();
    }

    public Optional<CachedSession> session(String id) {
        return Optional.ofNullable(sessions.getIfPresent(id));
    }

    public void putSession(String id, CachedSession session, long lookupGeneration) {
        sessions.put(id, session);
        if (generation.get() != lookupGeneration) {
            sessions.invalidate(id);
        }
    }

    /**
     * Replaces a cached session by {@code change} of it, atomically; returns whether {@code change} made a new
     * value (so that exactly one of many concurrent requests does what the change stands for).
     */
    public boolean updateSession(String id, UnaryOperator<CachedSession> change) {
        boolean[] changed = {false};
        sessions.asMap().computeIfPresent(id, (key, old) -> {
            CachedSession updated = change.apply(old);
            changed[0] = updated != old;
            return updated;
        });
        return changed[0];
    }

    /** The id of the active key with this hash, if cached. */
    public Optional<Long> apiKey(String keyHash) {
        return Optional.ofNullable(apiKeys.getIfPresent(keyHash));
    }

    public void putApiKey(String keyHash, long keyId, long lookupGeneration) {
        apiKeys.put(keyHash, keyId);
        if (generation.get() != lookupGeneration) {
            apiKeys.invalidate(keyHash);
        }
    }

    /** Forgets what a notice names: {@code session:<id>}, {@code key:<hash>} or {@code user:<id>}. */
    public void forget(String notice) {
        generation.incrementAndGet();
        int colon = notice.indexOf(':');
        String kind = colon < 0 ? "" : notice.substring(0, colon);
        String value = notice.substring(colon + 1);
        switch (kind) {
            case "session" -> sessions.invalidate(value);
            case "key" -> apiKeys.invalidate(value);
            case "user" -> sessions.asMap().values().removeIf(s -> s.userId() != null
                    && value.equals(String.valueOf(s.userId())));
            default -> forgetAll();
        }
    }

    public void forgetAll() {
        generation.incrementAndGet();
        sessions.invalidateAll();
        apiKeys.invalidateAll();
    }
}
