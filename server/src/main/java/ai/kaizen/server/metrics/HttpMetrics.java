package ai.kaizen.server.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Handler;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.RoutingContext;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Times every request: {@code kaizen_http_requests_seconds{method, route, status}} (count, sum, max), where
 * {@code route} is the route's pattern as mounted (e.g. {@code /api/messages/:id/rating}), never the raw path, so
 * that the series stay few; requests no route took are {@code unmatched}, other answers of a handler of every path
 * (the error handler's) {@code other}. Streaming routes also record
 * {@code kaizen_http_time_to_first_token_seconds{route}}: from the request's arrival to the first token written.
 */
public final class HttpMetrics implements Handler<RoutingContext> {

    private static final String STARTED = "kaizen.metrics.started";
    private static final String SELF = "kaizen.metrics.http";
    private static final String FIRST_TOKEN = "kaizen.metrics.first-token";
    private static final Duration[] TTFT_BUCKETS = {
            Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
            Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10),
            Duration.ofSeconds(30)};

    private final MeterRegistry registry;

    public HttpMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void handle(RoutingContext ctx) {
        long start = System.nanoTime();
        ctx.put(STARTED, start);
        ctx.put(SELF, this);
        ctx.addEndHandler(ended -> Timer.builder("kaizen.http.requests")
                .description("HTTP requests by route and status")
                .tag("method", ctx.request().method().name())
                .tag("route", route(ctx))
                .tag("status", String.valueOf(ctx.response().getStatusCode()))
                .register(registry)
                .record(System.nanoTime() - start, TimeUnit.NANOSECONDS));
        ctx.next();
    }

    /** Records that the first token of the request's answer was just written (once per request). */
    public static void firstToken(RoutingContext ctx) {
        Long start = ctx.get(STARTED);
        HttpMetrics self = ctx.get(SELF);
        if (start != null && self != null && ctx.get(FIRST_TOKEN) == null) {
            ctx.put(FIRST_TOKEN, true);
            Timer.builder("kaizen.http.time.to.first.token")
                    .description("From a chat request's arrival to its first token on the wire")
                    .tag("route", route(ctx))
                    .serviceLevelObjectives(TTFT_BUCKETS)
                    .register(self.registry)
                    .record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        }
    }

    static String route(RoutingContext ctx) {
        Route route = ctx.currentRoute();
        String pattern = route == null ? null : route.getName();
        if (pattern == null || pattern.isEmpty()) {
            // answered by a handler of every path: the catch-all 404, or the error handler of a failed request
            return ctx.response().getStatusCode() == 404 ? "unmatched" : "other";
        }
        return pattern;
    }
}
