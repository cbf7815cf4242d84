package ai.kaizen.server.chat;

import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import ai.kaizen.server.metrics.HttpMetrics;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.time.Instant;
import java.util.UUID;

/** A completion streamed as OpenAI's {@code chat.completion.chunk} events, ending with {@code data: [DONE]}. */
final class OpenAiStream implements ChatStream {

    private final RoutingContext ctx;
    private final HttpServerResponse response;
    private final String model;
    private final long created = Instant.now().getEpochSecond();
    private volatile boolean cancelled;
    private boolean started;
    private String id;

    OpenAiStream(RoutingContext ctx, String model) {
        this.ctx = ctx;
        this.response = ctx.response();
        this.model = model;
        response.closeHandler(v -> cancelled = true);
    }

    @Override
    public void start(JsonObject info) {
        started = true;
        id = OpenAiRoutes.ID_PREFIX + info.getJsonArray("answers").getString(0);
        response.setStatusCode(200).setChunked(true)
                .putHeader("Content-Type", "text/event-stream; charset=utf-8")
                .putHeader("Cache-Control", "no-store")
                .putHeader("X-Accel-Buffering", "no");
        send(chunk(new JsonObject().put("role", "assistant").put("content", ""), null));
    }

    @Override
    public void token(UUID answerId, String text) {
        send(chunk(new JsonObject().put("content", text), null));
        HttpMetrics.firstToken(ctx);
    }

    @Override
    public void done(UUID answerId, JsonObject info) {
        send(chunk(new JsonObject(), OpenAiWholeAnswer.finishReason(info.getString("finish_reason")))
                .put("usage", OpenAiWholeAnswer.usage(info)));
    }

    @Override
    public void end() {
        if (!cancelled && !response.ended()) {
            response.write("data: [DONE]\n\n");
            response.end();
        }
    }

    @Override
    public void error(int status, String message) {
        if (!started) {
            if (status == 503) {
                response.putHeader("Retry-After", "5");
            }
            OpenAiRoutes.error(ctx, status, message);
            return;
        }
        send(new JsonObject().put("error", new JsonObject().put("message", message).put("type", "server_error")));
        if (!cancelled && !response.ended()) {
            response.end();
        }
    }

    /** As OpenAI answers a conversation that cannot fit: 400 with the code {@code context_length_exceeded}. */
    @Override
    public void contextTooLong(String message) {
        OpenAiRoutes.error(ctx, 400, message, OpenAiRoutes.CONTEXT_LENGTH_EXCEEDED, "messages");
    }

    @Override
    public boolean isCancelled() {
        return cancelled;
    }

    private JsonObject chunk(JsonObject delta, String finishReason) {
        return new JsonObject()
                .put("id", id)
                .put("object", "chat.completion.chunk")
                .put("created", created)
                .put("model", model)
                .put("choices", new JsonArray().add(new JsonObject().put("index", 0).put("delta", delta)
                        .put("logprobs", null).put("finish_reason", finishReason)));
    }

    private void send(JsonObject data) {
        if (!cancelled && !response.ended() && !response.closed()) {
            response.write("data: " + data.encode() + "\n\n");
        }
    }
}
