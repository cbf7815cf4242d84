package ai.kaizen.server.http;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.ext.web.RoutingContext;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Token-bucket rate limits (bucket4j) keyed by client address or by session. Idle buckets are dropped every few
 * minutes so the map does not grow with every address ever seen. A refused request gets 429 with
 * {@code Retry-After}.
 */
public final class RateLimits {

    private static final Duration IDLE = Duration.ofMinutes(10);

    private final boolean trustProxy;

    public RateLimits(Vertx vertx, boolean trustProxy) {
        this.trustProxy = trustProxy;
        this.vertx = vertx;
    }

    private final Vertx vertx;

    /** How a refused request is answered, with the message; the default is a 429 with a JSON body. */
    @FunctionalInterface
    public interface Refusal {
        void refuse(RoutingContext ctx, String message);
    }

    private static final Refusal JSON = (ctx, message) -> HttpError.fail(ctx, 429, message);

    /** {@code perMinute} requests a minute per client address, with bursts up to the same number. */
    public Handler<RoutingContext> perAddress(String what, int perMinute) {
        return perAddress(what, perMinute, JSON);
    }

    /** As {@link #perAddress(String, int)}, refused as {@code refusal} says (e.g. a page for a browser's form). */
    public Handler<RoutingContext> perAddress(String what, int perMinute, Refusal refusal) {
        return limit(what, perMinute, this::clientAddress, refusal);
    }

    /** {@code perMinute} requests a minute per caller (session, user or API key); falls back to the address. */
    public Handler<RoutingContext> perCaller(String what, int perMinute) {
        return limit(what, perMinute, ctx -> Sessions.caller(ctx).map(c -> c.principal())
                .orElseGet(() -> clientAddress(ctx)), JSON);
    }

    private Handler<RoutingContext> limit(String what, int perMinute, Function<RoutingContext, String> key,
                                          Refusal refusal) {
        Map<String, Entry> buckets = new ConcurrentHashMap<>();
        vertx.setPeriodic(IDLE.toMillis() / 2, id -> {
            long cutoff = System.nanoTime() - IDLE.toNanos();
            buckets.values().removeIf(e -> e.lastUsed < cutoff);
        });
        return ctx -> {
            Entry entry = buckets.computeIfAbsent(key.apply(ctx), k -> new Entry(Bucket.builder()
                    .addLimit(Bandwidth.builder().capacity(perMinute).refillGreedy(perMinute, Duration.ofMinutes(1))
                            .build())
                    .build()));
            entry.lastUsed = System.nanoTime();
            ConsumptionProbe probe = entry.bucket.tryConsumeAndReturnRemaining(1);
            if (probe.isConsumed()) {
                ctx.next();
            } else {
                long seconds = Math.max(1, Duration.ofNanos(probe.getNanosToWaitForRefill()).toSeconds() + 1);
                ctx.response().putHeader("Retry-After", String.valueOf(seconds));
                refusal.refuse(ctx, "too many " + what + "; try again in " + seconds + " s");
            }
        };
    }

    /** The client's address: the socket's peer, or the first X-Forwarded-For hop behind a trusted proxy. */
    public String clientAddress(RoutingContext ctx) {
        if (trustProxy) {
            String forwarded = ctx.request().getHeader("X-Forwarded-For");
            if (forwarded != null && !forwarded.isBlank()) {
                return forwarded.split(",")[0].strip();
            }
        }
        return ctx.request().remoteAddress() == null ? "unknown" : ctx.request().remoteAddress().host();
    }

    private static final class Entry {
        final Bucket bucket;
        volatile long lastUsed;

        Entry(Bucket bucket) {
            this.bucket = bucket;
        }
    }
}
