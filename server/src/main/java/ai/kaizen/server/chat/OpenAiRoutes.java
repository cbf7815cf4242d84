package ai.kaizen.server.chat;

import ai.kaizen.server.http.ErrorResponses;
import ai.kaizen.db.feedback.FeedbackRepository;
import ai.kaizen.model.tokenizer.ChatMessage;
import ai.kaizen.server.account.Accounts;
import ai.kaizen.server.account.Caller;
import ai.kaizen.server.feedback.FeedbackService;
import ai.kaizen.server.http.HttpError;
import ai.kaizen.server.http.JsonBodies;
import ai.kaizen.server.http.RateLimits;
import ai.kaizen.server.http.Sessions;
import ai.kaizen.server.inference.ServingModel;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * The OpenAI-compatible API under {@code /v1}: {@code GET /v1/models}, {@code POST /v1/chat/completions}
 * (whole answers, or {@code stream: true} as server-sent chunks ending with {@code data: [DONE]}) and
 * {@code POST /v1/feedback}. Callers authenticate with {@code Authorization: Bearer <key>}. A completion's
 * {@code id} is {@code chatcmpl-<message id>}: the stored answer, which feedback then refers to.
 */
public final class OpenAiRoutes {

    static final String ID_PREFIX = "chatcmpl-";
    /** The header that makes a feedback request idempotent (the IETF httpapi draft's name, as Stripe's). */
    static final String IDEMPOTENCY_KEY = "Idempotency-Key";
    /** OpenAI's error code for a conversation that does not fit the model, even with its older turns left out. */
    static final String CONTEXT_LENGTH_EXCEEDED = "context_length_exceeded";
    private static final Set<String> ROLES = Set.of("system", "user", "assistant");

    private final Accounts accounts;
    private final ChatService chat;
    private final Supplier<Optional<ServingModel>> serving;
    private final FeedbackService feedback;
    private final RateLimits limits;
    private final int messagesPerMinute;

    public OpenAiRoutes(Accounts accounts, ChatService chat, Supplier<Optional<ServingModel>> serving,
                        FeedbackService feedback, RateLimits limits, int messagesPerMinute) {
        this.accounts = accounts;
        this.chat = chat;
        this.serving = serving;
        this.feedback = feedback;
        this.limits = limits;
        this.messagesPerMinute = messagesPerMinute;
    }

    public void mount(Router router) {
        router.route("/v1/*").handler(this::authenticate);
        router.get("/v1/models").handler(this::models);
        router.post("/v1/chat/completions").handler(limits.perCaller("requests", messagesPerMinute))
                .handler(this::completions);
        router.post("/v1/feedback").handler(this::feedback);
        router.route("/v1/*").failureHandler(ctx -> {
            int status = ErrorResponses.statusOf(ctx);
            error(ctx, status, status == 404 ? "unknown endpoint " + ctx.request().path()
                    : ctx.failure() instanceof HttpError e ? e.getMessage()
                    : status == 413 ? "request too large"
                    : status == 503 ? "the database is unavailable; try again in a few seconds"
                    : "internal error; it has been logged");
        });
    }

    /** Errors in OpenAI's shape, which its client libraries read. */
    static void error(RoutingContext ctx, int status, String message) {
        error(ctx, status, message, null, null);
    }

    /**
     * An error in OpenAI's shape with its machine-readable {@code code} (e.g. {@code context_length_exceeded}) and
     * the request field at fault ({@code param}); either may be null.
     */
    static void error(RoutingContext ctx, int status, String message, String code, String param) {
        HttpServerResponse response = ctx.response();
        if (response.ended()) {
            return;
        }
        if (response.headWritten()) {
            response.reset();
            return;
        }
        String type = status == 401 ? "authentication_error" : status == 429 ? "rate_limit_error"
                : status >= 500 ? "server_error" : "invalid_request_error";
        response.setStatusCode(status).putHeader("Content-Type", "application/json")
                .end(new JsonObject().put("error", new JsonObject().put("message", message).put("type", type)
                        .put("param", param).put("code", code)).encode());
    }

    private void authenticate(RoutingContext ctx) {
        String header = ctx.request().getHeader("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            error(ctx, 401, "missing API key: send Authorization: Bearer <key>");
            return;
        }
        Future.fromCompletionStage(accounts.checkApiKey(header.substring(7).strip()), ctx.vertx().getOrCreateContext())
                .onSuccess(caller -> {
                    if (caller.isEmpty()) {
                        error(ctx, 401, "invalid or revoked API key");
                    } else {
                        Sessions.setCaller(ctx, caller.get());
                        ctx.next();
                    }
                })
                .onFailure(ctx::fail);
    }

    private void models(RoutingContext ctx) {
        JsonArray data = new JsonArray();
        serving.get().ifPresent(m -> data.add(new JsonObject().put("id", m.version()).put("object", "model")
                .put("created", Instant.now().getEpochSecond()).put("owned_by", "kaizen")));
        JsonBodies.reply(ctx, new JsonObject().put("object", "list").put("data", data));
    }

    private void completions(RoutingContext ctx) {
        Caller caller = Sessions.caller(ctx).orElseThrow();
        Optional<JsonObject> parsed = JsonBodies.object(ctx);
        if (parsed.isEmpty()) {
            return;
        }
        JsonObject body = parsed.get();
        List<ChatMessage> messages;
        Overrides overrides;
        try {
            messages = messages(body);
            overrides = overrides(body);
        } catch (IllegalArgumentException e) {
            error(ctx, 400, e.getMessage());
            return;
        }
        String model = serving.get().map(ServingModel::version).orElse("none");
        boolean stream = Boolean.TRUE.equals(body.getValue("stream"));
        ChatStream out = stream ? new OpenAiStream(ctx, model) : new OpenAiWholeAnswer(ctx, model);
        chat.complete(ctx.vertx().getOrCreateContext(), caller, messages, overrides, out);
    }

    static List<ChatMessage> messages(JsonObject body) {
        if (!(body.getValue("messages") instanceof JsonArray array) || array.isEmpty()) {
            throw new IllegalArgumentException("messages must be a non-empty list");
        }
        List<ChatMessage> messages = new ArrayList<>();
        for (Object item : array) {
            if (!(item instanceof JsonObject m) || !(m.getValue("role") instanceof String role)
                    || !ROLES.contains(role)) {
                throw new IllegalArgumentException("each message needs a role: system, user or assistant");
            }
            messages.add(new ChatMessage(role, content(m.getValue("content"))));
        }
        return messages;
    }

    /** A message's content: a string, or a list of {@code {"type": "text", "text": ...}} parts. */
    private static String content(Object content) {
        if (content instanceof String s) {
            return s;
        }
        if (content instanceof JsonArray parts) {
            StringBuilder text = new StringBuilder();
            for (Object p : parts) {
                if (p instanceof JsonObject part && "text".equals(part.getString("type"))
                        && part.getValue("text") instanceof String t) {
                    text.append(t);
                } else {
                    throw new IllegalArgumentException("only text content parts are supported");
                }
            }
            return text.toString();
        }
        throw new IllegalArgumentException("message content must be a string or a list of text parts");
    }

    static Overrides overrides(JsonObject body) {
        Integer n = integer(body, "n");
        if (n != null && n != 1) {
            throw new IllegalArgumentException("n must be 1");
        }
        Integer maxTokens = integer(body, "max_completion_tokens");
        if (maxTokens == null) {
            maxTokens = integer(body, "max_tokens");
        }
        if (maxTokens != null && (maxTokens < 1 || maxTokens > 4096)) {
            throw new IllegalArgumentException("max_tokens must be between 1 and 4096");
        }
        Double temperature = number(body, "temperature");
        if (temperature != null && (temperature < 0 || temperature > 2)) {
            throw new IllegalArgumentException("temperature must be between 0 and 2");
        }
        Double topP = number(body, "top_p");
        if (topP != null && (topP <= 0 || topP > 1)) {
            throw new IllegalArgumentException("top_p must be in (0, 1]");
        }
        Long seed = body.getValue("seed") instanceof Number s ? s.longValue() : null;
        List<String> stop = new ArrayList<>();
        Object rawStop = body.getValue("stop");
        if (rawStop instanceof String s) {
            stop.add(s);
        } else if (rawStop instanceof JsonArray a) {
            for (Object s : a) {
                if (!(s instanceof String text) || text.isEmpty()) {
                    throw new IllegalArgumentException("stop must be a string or a list of strings");
                }
                stop.add(text);
            }
        } else if (rawStop != null) {
            throw new IllegalArgumentException("stop must be a string or a list of strings");
        }
        // Temperature 0 means greedy in OpenAI's API; the nearest this sampler has is a very low temperature.
        return new Overrides(maxTokens, temperature == null ? null : Math.max(temperature, 0.01), topP,
                seed, stop);
    }

    private static Integer integer(JsonObject body, String key) {
        Object v = body.getValue(key);
        if (v == null) {
            return null;
        }
        if (!(v instanceof Integer i)) {
            throw new IllegalArgumentException(key + " must be a whole number");
        }
        return i;
    }

    private static Double number(JsonObject body, String key) {
        Object v = body.getValue(key);
        if (v == null) {
            return null;
        }
        if (!(v instanceof Number d)) {
            throw new IllegalArgumentException(key + " must be a number");
        }
        return d.doubleValue();
    }

    /**
     * {@code {"message_id": "chatcmpl-...", "thumbs": 1, "stars": 4, "reasons": [...], "comment": "..."}}, and/or a
     * pairwise choice against another answer of the same caller to the same prompt: {@code "compared_with":
     * "chatcmpl-...", "choice": "a"|"b"|"tie"|"both_bad"} (a is {@code message_id}). A choice between answers to
     * different prompts would be a corrupt preference for training: it is refused (400). All of it is stored in one
     * transaction, or none of it. With an {@code Idempotency-Key} header, a retry with the same key and request gets
     * the first response (with {@code Idempotent-Replayed: true}) and stores nothing new; the same key with another
     * request is a 422.
     */
    private void feedback(RoutingContext ctx) {
        Caller caller = Sessions.caller(ctx).orElseThrow();
        Optional<JsonObject> body = JsonBodies.object(ctx);
        if (body.isEmpty()) {
            return;
        }
        String idempotencyKey = ctx.request().getHeader(IDEMPOTENCY_KEY);
        if (idempotencyKey != null && !idempotencyKey.matches("[\\x21-\\x7e]{1,200}")) {
            error(ctx, 400, IDEMPOTENCY_KEY + " must be 1 to 200 visible ASCII characters", null, IDEMPOTENCY_KEY);
            return;
        }
        feedback.submit(caller.principal(), body.get(), Optional.ofNullable(idempotencyKey), COMPLETION_IDS)
                .onSuccess(outcome -> {
                    if (outcome instanceof FeedbackRepository.Outcome.Stored stored) {
                        reply(ctx, stored.response());
                    } else if (outcome instanceof FeedbackRepository.Outcome.Replayed replayed) {
                        ctx.response().putHeader("Idempotent-Replayed", "true");
                        reply(ctx, replayed.response());
                    } else if (outcome instanceof FeedbackRepository.Outcome.KeyReused) {
                        error(ctx, 422, "this " + IDEMPOTENCY_KEY + " was used for a different request", null,
                                IDEMPOTENCY_KEY);
                    } else if (outcome instanceof FeedbackRepository.Outcome.NotFound notFound) {
                        error(ctx, 404, "no such completion " + ID_PREFIX + notFound.answer());
                    } else {
                        error(ctx, 400, "message_id and compared_with answer different prompts; a pairwise choice "
                                + "compares two answers to the same messages", null, "compared_with");
                    }
                })
                .onFailure(e -> {
                    if (e instanceof HttpError refused) {
                        error(ctx, refused.status(), refused.getMessage());
                    } else {
                        ctx.fail(e);
                    }
                });
    }

    private static void reply(RoutingContext ctx, String json) {
        ctx.response().putHeader("Content-Type", "application/json").end(json);
    }

    /** Completions are named {@code chatcmpl-<message id>}; feedback may name them with or without the prefix. */
    private static final FeedbackService.AnswerIds COMPLETION_IDS = new FeedbackService.AnswerIds() {
        @Override
        public Optional<UUID> read(Object value) {
            return messageId(value);
        }

        @Override
        public String name(UUID answer) {
            return ID_PREFIX + answer;
        }
    };

    static Optional<UUID> messageId(Object value) {
        if (!(value instanceof String text)) {
            return Optional.empty();
        }
        String raw = text.startsWith(ID_PREFIX) ? text.substring(ID_PREFIX.length()) : text;
        try {
            return Optional.of(UUID.fromString(raw));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
