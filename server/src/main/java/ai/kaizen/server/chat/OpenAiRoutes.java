package ai.kaizen.server.chat;

import ai.kaizen.server.http.ErrorResponses;
import ai.kaizen.db.chat.ConversationRepository;
import ai.kaizen.db.chat.Message;
import ai.kaizen.db.feedback.FeedbackRepository;
import ai.kaizen.db.feedback.PairwiseComparison;
import ai.kaizen.db.feedback.RatingChange;
import ai.kaizen.model.tokenizer.ChatMessage;
import ai.kaizen.server.account.Accounts;
import ai.kaizen.server.account.Caller;
import ai.kaizen.server.feedback.FeedbackRoutes;
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
    /** OpenAI's error code for a conversation that does not fit the model, even with its older turns left out. */
    static final String CONTEXT_LENGTH_EXCEEDED = "context_length_exceeded";
    private static final Set<String> ROLES = Set.of("system", "user", "assistant");

    private final Accounts accounts;
    private final ChatService chat;
    private final Supplier<Optional<ServingModel>> serving;
    private final ConversationRepository conversations;
    private final FeedbackRepository feedback;
    private final RateLimits limits;
    private final int messagesPerMinute;

    public OpenAiRoutes(Accounts accounts, ChatService chat, Supplier<Optional<ServingModel>> serving,
                        ConversationRepository conversations, FeedbackRepository feedback, RateLimits limits,
                        int messagesPerMinute) {
        this.accounts = accounts;
        this.chat = chat;
        this.serving = serving;
        this.conversations = conversations;
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
                    : ctx.failure() instanceof ai.kaizen.server.http.HttpError e ? e.getMessage()
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
        ChatService.Overrides overrides;
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

    static ChatService.Overrides overrides(JsonObject body) {
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
        return new ChatService.Overrides(maxTokens, temperature == null ? null : Math.max(temperature, 0.01), topP,
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
     * different prompts would be a corrupt preference for training: it is refused (400), and nothing is stored.
     */
    private void feedback(RoutingContext ctx) {
        Caller caller = Sessions.caller(ctx).orElseThrow();
        Optional<JsonObject> parsed = JsonBodies.object(ctx);
        if (parsed.isEmpty()) {
            return;
        }
        JsonObject body = parsed.get();
        Optional<UUID> messageId = messageId(body.getValue("message_id"));
        if (messageId.isEmpty()) {
            error(ctx, 400, "message_id must be the id of a completion");
            return;
        }
        JsonObject ratingPart = body.copy();
        ratingPart.remove("message_id");
        Object comparedWith = ratingPart.remove("compared_with");
        Object choiceText = ratingPart.remove("choice");
        Optional<RatingChange> change;
        Optional<UUID> other = Optional.empty();
        Optional<PairwiseComparison.Choice> choice = Optional.empty();
        try {
            change = ratingPart.isEmpty() ? Optional.empty()
                    : Optional.of(FeedbackRoutes.ratingChange(ratingPart, chat.settings().reasons()));
            if (comparedWith != null || choiceText != null) {
                other = messageId(comparedWith);
                choice = choiceText instanceof String c ? PairwiseComparison.Choice.of(c) : Optional.empty();
                if (other.isEmpty() || choice.isEmpty() || other.equals(messageId)) {
                    throw new IllegalArgumentException(
                            "a pairwise choice needs compared_with (another completion id) and choice: a, b, tie or both_bad");
                }
            }
            if (change.isEmpty() && choice.isEmpty()) {
                throw new IllegalArgumentException("say something: thumbs, stars, reasons, comment or a choice");
            }
        } catch (IllegalArgumentException e) {
            error(ctx, 400, e.getMessage());
            return;
        }
        String principal = caller.principal();
        Optional<UUID> otherId = other;
        Optional<PairwiseComparison.Choice> verdict = choice;
        // One query after the other (one session per request), and nothing stored until the whole request is valid.
        Future.fromCompletionStage(conversations.findMessage(messageId.get(), principal))
                .compose(a -> answer(a, body.getValue("message_id")))
                .compose(a -> otherId.isEmpty() ? Future.succeededFuture(new Pair(a, null))
                        : Future.fromCompletionStage(conversations.findMessage(otherId.get(), principal))
                        .compose(b -> answer(b, body.getValue("compared_with")))
                        .compose(b -> sameTurn(a, b, principal).compose(same -> same
                                ? Future.succeededFuture(new Pair(a, b))
                                : Future.failedFuture(new DifferentPrompts()))))
                .compose(pair -> {
                    Future<JsonObject> result = Future.succeededFuture(new JsonObject()
                            .put("message_id", ID_PREFIX + messageId.get()));
                    if (change.isPresent()) {
                        result = result.compose(json -> Future.fromCompletionStage(
                                        feedback.rate(messageId.get(), principal, change.get()))
                                .map(rating -> json.put("rating", new JsonObject().put("thumbs", rating.thumbs())
                                        .put("stars", rating.stars()).put("reasons", new JsonArray(rating.reasons()))
                                        .put("comment", rating.comment()))));
                    }
                    if (pair.b() != null) {
                        PairwiseComparison comparison = new PairwiseComparison(UUID.randomUUID(),
                                pair.a().parentId(), pair.a().id(), pair.b().id(), principal,
                                PairwiseComparison.Trigger.api);
                        comparison.decide(verdict.orElseThrow());
                        result = result.compose(json -> Future.fromCompletionStage(
                                        feedback.createComparison(comparison))
                                .map(c -> json.put("comparison_id", c.id().toString())));
                    }
                    return result;
                })
                .onSuccess(json -> JsonBodies.reply(ctx, json))
                .onFailure(e -> {
                    if (e instanceof NotFound) {
                        error(ctx, 404, e.getMessage());
                    } else if (e instanceof DifferentPrompts) {
                        error(ctx, 400, e.getMessage(), null, "compared_with");
                    } else {
                        ctx.fail(e);
                    }
                });
    }

    /** Two completions of a pairwise choice; {@code b} is null when there is none. */
    private record Pair(Message a, Message b) {
    }

    /** The completion the request named as {@code id}, when it is one of the caller's answers. */
    private static Future<Message> answer(Optional<Message> found, Object id) {
        return found.isPresent() && found.get().role() == Message.Author.assistant && found.get().parentId() != null
                ? Future.succeededFuture(found.get()) : Future.failedFuture(new NotFound("no such completion " + id));
    }

    /**
     * Whether two answers answer the same turn: siblings under one user message (as the chat page's A/B pairs are),
     * or, since every request to this API is a conversation of its own, answers to the very same messages: the same
     * system prompt and the same turns, word for word.
     */
    private Future<Boolean> sameTurn(Message a, Message b, String principal) {
        if (a.parentId().equals(b.parentId())) {
            return Future.succeededFuture(true);
        }
        return promptOf(a, principal).compose(promptA -> promptOf(b, principal).map(promptA::equals));
    }

    /** The system prompt and the messages that {@code answer} answers. */
    private Future<List<ChatMessage>> promptOf(Message answer, String principal) {
        return Future.fromCompletionStage(conversations.find(answer.conversationId(), principal))
                .compose(conversation -> Future.fromCompletionStage(conversations.messages(answer.conversationId()))
                        .map(all -> {
                            List<ChatMessage> prompt = new ArrayList<>();
                            prompt.add(ChatMessage.system(conversation.map(c -> c.systemPrompt()).orElse("")));
                            ConversationRepository.branch(all, answer.parentId()).forEach(m ->
                                    prompt.add(new ChatMessage(m.role().name(), m.content())));
                            return prompt;
                        }));
    }

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

    private static final class NotFound extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NotFound(String message) {
            super(message, null, false, false);
        }
    }

    /** A pairwise choice between answers to different prompts. */
    private static final class DifferentPrompts extends RuntimeException {
        private static final long serialVersionUID = 1L;

        DifferentPrompts() {
            super("message_id and compared_with answer different prompts; a pairwise choice compares two answers "
                    + "to the same messages", null, false, false);
        }
    }
}
