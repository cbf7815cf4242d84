package ai.kaizen.server.console;

import ai.kaizen.db.cycle.CycleRepository;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.NoSuchElementException;

/**
 * A cycle's live progress as server-sent events, read from the database once a second (the trainer writes there,
 * from whatever process or pod it runs in): {@code cycle} (the row: status, stage, step, ...), {@code metrics}
 * (new values since the last event) and {@code log} (new lines). Ends after the cycle has ended.
 */
final class CycleEvents {

    private static final long PERIOD_MS = 1000;
    private static final int LOG_TAIL = 200;

    private final RoutingContext ctx;
    private final CycleRepository cycles;
    private final long id;
    private long lastMetric;
    private long lastLog;
    private boolean closed;

    CycleEvents(RoutingContext ctx, CycleRepository cycles, long id) {
        this.ctx = ctx;
        this.cycles = cycles;
        this.id = id;
    }

    void start() {
        Future.fromCompletionStage(cycles.find(id)).onComplete(found -> {
            if (found.failed()) {
                ctx.fail(found.cause());
            } else if (found.result().isEmpty()) {
                ai.kaizen.server.http.HttpError.fail(ctx, 404, "no cycle " + id);
            } else {
                HttpServerResponse response = ctx.response().setChunked(true)
                        .putHeader("Content-Type", "text/event-stream")
                        .putHeader("Cache-Control", "no-store")
                        .putHeader("X-Accel-Buffering", "no");
                response.closeHandler(v -> closed = true);
                response.write(": cycle " + id + "\n\n");
                poll();
            }
        });
    }

    /** One round: metrics and log first, then the row, so the final row comes after the final metrics. */
    private void poll() {
        if (closed) {
            return;
        }
        Future.fromCompletionStage(cycles.metricsAfter(id, lastMetric))
                .compose(metrics -> {
                    if (!metrics.isEmpty()) {
                        lastMetric = metrics.get(metrics.size() - 1).id();
                        send("metrics", ConsoleJson.metrics(metrics).encode());
                    }
                    return Future.fromCompletionStage(cycles.logAfter(id, lastLog, LOG_TAIL));
                })
                .compose(lines -> {
                    if (!lines.isEmpty()) {
                        lastLog = lines.get(lines.size() - 1).id();
                        send("log", ConsoleJson.log(lines).encode());
                    }
                    return Future.fromCompletionStage(cycles.find(id));
                })
                .onComplete(found -> {
                    if (closed) {
                        return;
                    }
                    if (found.failed() || found.result().isEmpty()) {
                        send("error", new JsonObject().put("error", found.failed() ? "cannot read the cycle"
                                : new NoSuchElementException("no cycle " + id).getMessage()).encode());
                        ctx.response().end();
                        return;
                    }
                    var cycle = found.result().get();
                    send("cycle", ConsoleJson.cycle(cycle).encode());
                    if (cycle.status().isOpen()) {
                        ctx.vertx().setTimer(PERIOD_MS, t -> poll());
                    } else {
                        send("end", "{}");
                        ctx.response().end();
                    }
                });
    }

    private void send(String event, String data) {
        if (!closed) {
            ctx.response().write("event: " + event + "\ndata: " + data + "\n\n");
        }
    }
}
