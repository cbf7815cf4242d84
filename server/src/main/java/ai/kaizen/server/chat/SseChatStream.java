package ai.kaizen.server.chat;

import ai.kaizen.server.http.ErrorResponses;
import io.vertx.core.http.HttpServerResponse;
import ai.kaizen.server.metrics.HttpMetrics;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.UUID;

/**
 * The chat page's answer stream: Server-Sent Events ({@code start}, {@code token}, {@code done}, {@code end},
 * {@code error}) on the response of a POST, read by the page with {@code fetch}. A failure before the stream starts
 * is an ordinary JSON error with its status (503 with {@code Retry-After} when the model is busy). Closing the
 * connection cancels generation.
 */
final class SseChatStream implements ChatStream {

    private final RoutingContext ctx;
    private final HttpServerResponse response;
    private volatile boolean cancelled;
    private boolean started;

    SseChatStream(RoutingContext ctx) {
        this.ctx = ctx;
        this.response = ctx.response();
        response.closeHandler(v -> cancelled = true);
        ctx.request().connection().closeHandler(v -> cancelled = true);
    }

    @Override
    public void start(JsonObject info) {
        started = true;
        response.setStatusCode(200)
                .setChunked(true)
                .putHeader("Content-Type", "text/event-stream; charset=utf-8")
                .putHeader("Cache-Control", "no-store")
                .putHeader("X-Accel-Buffering", "no");
        send("start", info);
    }

    @Override
    public void token(UUID answerId, String text) {
        send("token", new JsonObject().put("answer", answerId.toString()).put("text", text));
        HttpMetrics.firstToken(ctx);
    }

    @Override
    public void done(UUID answerId, JsonObject info) {
        send("done", info);
    }

    @Override
    public void end() {
        send("end", new JsonObject());
        if (!response.ended() && !cancelled) {
            response.end();
        }
    }

    @Override
    public void error(int status, String message) {
        if (!started) {
            if (status == 503) {
                response.putHeader("Retry-After", "5");
            }
            ErrorResponses.send(ctx, status, message);
            return;
        }
        send("error", new JsonObject().put("status", status).put("error", message));
        if (!response.ended() && !cancelled) {
            response.end();
        }
    }

    @Override
    public boolean isCancelled() {
        return cancelled;
    }

    private void send(String event, JsonObject data) {
        if (cancelled || response.ended() || response.closed()) {
            return;
        }
        response.write("event: " + event + "\ndata: " + data.encode() + "\n\n");
    }
}
