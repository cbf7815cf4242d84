package ai.kaizen.server.http;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.vertx.core.Future;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Client request ids (the chat page's {@code request_id}) seen lately, so that a request sent twice (a double
 * click, Enter pressed twice, a retry after a lost connection) is done once. Ids are remembered per caller and
 * scope for {@link #REMEMBERED}; the server is the only writer of what they guard, so memory is enough.
 */
public final class RequestIds {

    /** How long an id is remembered: far longer than any double click or client retry. */
    public static final Duration REMEMBERED = Duration.ofMinutes(15);

    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9_-]{8,100}");

    private final Cache<String, Future<?>> seen = Caffeine.newBuilder()
            .expireAfterWrite(REMEMBERED)
            .maximumSize(200_000)
            .build();

    /**
     * The request id a body carries: empty when it has none, a 400-worthy {@link HttpError} when it is not 8 to
     * 100 letters, digits, '-' or '_'.
     */
    public static Optional<String> of(Object value) {
        if (value == null) {
            return Optional.empty();
        }
        if (!(value instanceof String id) || !VALID.matcher(id).matches()) {
            throw new HttpError(400, "request_id must be 8 to 100 letters, digits, '-' or '_'");
        }
        return Optional.of(id);
    }

    /**
     * What the first request with this key produced: {@code work} runs for the first, later ones get its future.
     * A failed outcome is forgotten, so that a retry with the same id can succeed.
     */
    @SuppressWarnings("unchecked")
    public <T> Future<T> once(String principal, String scope, String requestId, Supplier<Future<T>> work) {
        String key = key(principal, scope, requestId);
        boolean[] first = {false};
        Future<T> outcome = (Future<T>) seen.get(key, k -> {
            first[0] = true;
            return work.get();
        });
        if (first[0]) {
            outcome.onFailure(e -> seen.asMap().remove(key, outcome));
        }
        return outcome;
    }

    /**
     * Claims the key for a request still to be done: true for the first request, false for a repeat. {@link #release}
     * gives it back when the request was refused before it did anything.
     */
    public boolean claim(String principal, String scope, String requestId) {
        return seen.asMap().putIfAbsent(key(principal, scope, requestId), Future.succeededFuture()) == null;
    }

    public void release(String principal, String scope, String requestId) {
        seen.invalidate(key(principal, scope, requestId));
    }

    private static String key(String principal, String scope, String requestId) {
        return principal + '\n' + scope + '\n' + requestId;
    }
}
