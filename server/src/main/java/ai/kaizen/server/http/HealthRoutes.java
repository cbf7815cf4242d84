package ai.kaizen.server.http;

import ai.kaizen.db.Database;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;

/**
 * {@code GET /health}: the process is alive, and its database has not been away longer than a bound (past it, 503:
 * a supervisor's liveness probe restarts the process). {@code GET /ready}: it can serve, i.e. the database answers
 * and a model is loaded; 200 when ready, 503 otherwise, with each check's state in the body (no addresses or
 * exception texts: anyone may call it; the log has the details).
 */
public final class HealthRoutes {

    private static final long DATABASE_TIMEOUT_MS = 2_000;

    private final Database database;
    private final DatabaseWatch watch;
    private final Duration maxOutage;
    private final Supplier<JsonObject> modelCheck;
    private final Instant startedAt;
    private final String version;

    /**
     * @param watch      how long the database has been away
     * @param maxOutage  how long it may be away before {@code /health} fails
     * @param modelCheck the model's state as {@code {"status": "UP"|"DOWN", ...}}
     */
    public HealthRoutes(Database database, DatabaseWatch watch, Duration maxOutage, Supplier<JsonObject> modelCheck,
                        Instant startedAt, String version) {
        this.database = database;
        this.watch = watch;
        this.maxOutage = maxOutage;
        this.modelCheck = modelCheck;
        this.startedAt = startedAt;
        this.version = version;
    }

    public void mount(Router router) {
        router.get("/health").handler(this::health);
        router.get("/ready").handler(this::ready);
    }

    private void health(RoutingContext ctx) {
        JsonObject body = new JsonObject()
                .put("version", version)
                .put("uptime_s", Duration.between(startedAt, Instant.now()).toSeconds());
        Duration outage = watch.outage().orElse(Duration.ZERO);
        if (outage.compareTo(maxOutage) > 0) {
            json(ctx, 503, body.put("status", "DOWN").put("reason", "the database has not answered for "
                    + outage.toSeconds() + " s (health.database-outage-seconds: " + maxOutage.toSeconds() + ")"));
            return;
        }
        json(ctx, 200, body.put("status", "UP"));
    }

    private void ready(RoutingContext ctx) {
        databaseCheck().onComplete(done -> {
            JsonObject db = done.result();
            JsonObject model = modelCheck.get();
            boolean up = isUp(db) && isUp(model);
            json(ctx, up ? 200 : 503, new JsonObject()
                    .put("status", up ? "UP" : "DOWN")
                    .put("checks", new JsonObject().put("database", db).put("model", model)));
        });
    }

    private Future<JsonObject> databaseCheck() {
        JsonObject base = new JsonObject()
                .put("embedded", database.isEmbedded())
                .put("schema_version", database.schemaVersion());
        return database.ping()
                .timeout(DATABASE_TIMEOUT_MS, java.util.concurrent.TimeUnit.MILLISECONDS)
                .map(latency -> new JsonObject().put("status", "UP")
                        .put("latency_ms", latency.toNanos() / 1e6).mergeIn(base))
                .otherwise(failure -> new JsonObject().put("status", "DOWN")
                        .put("detail", "the database does not answer").mergeIn(base));
    }

    private static boolean isUp(JsonObject check) {
        return "UP".equals(check.getString("status"));
    }

    private static void json(RoutingContext ctx, int status, JsonObject body) {
        ctx.response().setStatusCode(status)
                .putHeader("Content-Type", "application/json; charset=utf-8")
                .putHeader("Cache-Control", "no-store")
                .end(body.encode());
    }
}
