package ai.kaizen.server.chat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.time.Instant;
import java.util.UUID;

/** A completion answered at once, as OpenAI's {@code chat.completion} object. */
final class OpenAiWholeAnswer implements ChatStream {

    private final RoutingContext ctx;
    private final String model;
    private final long created = Instant.now().getEpochSecond();
    private volatile boolean cancelled;
    private JsonObject result;

    OpenAiWholeAnswer(RoutingContext ctx, String model) {
        this.ctx = ctx;
        this.model = model;
        ctx.response().closeHandler(v -> cancelled = true);
    }

    @Override
    public void start(JsonObject info) {
    }

    @Override
    public void token(UUID answerId, String text) {
    }

    @Override
    public void done(UUID answerId, JsonObject info) {
        result = new JsonObject()
                .put("id", OpenAiRoutes.ID_PREFIX + answerId)
                .put("object", "chat.completion")
                .put("created", created)
                .put("model", model)
                .put("choices", new JsonArray().add(new JsonObject()
                        .put("index", 0)
                        .put("message", new JsonObject().put("role", "assistant").put("content", info.getString("text"))
                                .putNull("refusal"))
                        .putNull("logprobs")
                        .put("finish_reason", finishReason(info.getString("finish_reason")))))
                .put("usage", usage(info));
    }

    @Override
    public void end() {
        if (!cancelled && result != null) {
            ctx.response().putHeader("Content-Type", "application/json").end(result.encode());
        }
    }

    @Override
    public void error(int status, String message) {
        if (status == 503) {
            ctx.response().putHeader("Retry-After", "5");
        }
        OpenAiRoutes.error(ctx, status, message);
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

    /** OpenAI knows {@code stop} and {@code length}; a cancelled answer stopped early. */
    static String finishReason(String ours) {
        return "length".equals(ours) ? "length" : "stop";
    }

    static JsonObject usage(JsonObject info) {
        int prompt = info.getInteger("prompt_tokens", 0);
        int completion = info.getInteger("completion_tokens", 0);
        return new JsonObject().put("prompt_tokens", prompt).put("completion_tokens", completion)
                .put("total_tokens", prompt + completion);
    }
}
