package ai.kaizen.server.chat;

import ai.kaizen.db.account.Role;
import ai.kaizen.db.chat.Conversation;
import ai.kaizen.db.chat.ConversationRepository;
import ai.kaizen.db.chat.Message;
import ai.kaizen.db.chat.MessageTree;
import ai.kaizen.db.feedback.FeedbackRepository;
import ai.kaizen.db.feedback.PairwiseComparison;
import ai.kaizen.db.feedback.Rating;
import ai.kaizen.db.setting.SettingRepository;
import ai.kaizen.server.account.Caller;
import ai.kaizen.server.feedback.RatingJson;
import ai.kaizen.server.http.Access;
import ai.kaizen.server.http.ApiRequest;
import ai.kaizen.server.http.HttpError;
import ai.kaizen.server.http.JsonBodies;
import ai.kaizen.server.http.Pages;
import ai.kaizen.server.http.RateLimits;
import ai.kaizen.server.http.RequestIds;
import ai.kaizen.server.http.Sessions;
import ai.kaizen.server.http.StorableText;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The chat page ({@code GET /}) and its JSON API under {@code /api}: conversations, sending a message (streamed
 * answer), editing one (a new version beside it, answered the same way), moving between branches, regenerating,
 * and the operators' system prompt.
 */
public final class ChatRoutes {

    private static final int MAX_SYSTEM_PROMPT = 8000;
    /** The {@code conversation.title} column's size. */
    private static final int MAX_TITLE = 200;
    private static final int MAX_SEARCH = 200;

    private final ChatService chat;
    private final ConversationRepository conversations;
    private final FeedbackRepository feedback;
    private final SettingRepository settings;
    private final Sessions sessions;
    private final Pages pages;
    private final RateLimits limits;
    private final int chatsPerMinute;
    private final RequestIds requestIds = new RequestIds();

    public ChatRoutes(ChatService chat, ConversationRepository conversations, FeedbackRepository feedback,
                      SettingRepository settings, Sessions sessions, Pages pages, RateLimits limits,
                      int chatsPerMinute) {
        this.chat = chat;
        this.conversations = conversations;
        this.feedback = feedback;
        this.settings = settings;
        this.sessions = sessions;
        this.pages = pages;
        this.limits = limits;
        this.chatsPerMinute = chatsPerMinute;
    }

    public void mount(Router router) {
        router.get("/").handler(this::page);
        router.get("/api/conversations").handler(this::list);
        router.post("/api/conversations").handler(this::create);
        router.get("/api/conversations/:id").handler(this::show);
        router.patch("/api/conversations/:id").handler(this::rename);
        router.delete("/api/conversations/:id").handler(this::delete);
        router.post("/api/conversations/:id/messages")
                .handler(limits.perCaller("messages", chatsPerMinute)).handler(this::send);
        router.put("/api/conversations/:id/current").handler(this::showBranch);
        router.post("/api/messages/:id/regenerate")
                .handler(limits.perCaller("messages", chatsPerMinute)).handler(this::regenerate);
        router.post("/api/messages/:id/edit")
                .handler(limits.perCaller("messages", chatsPerMinute)).handler(this::edit);
        router.get("/api/settings/system-prompt").handler(Access.require(Role.OPERATOR)).handler(this::systemPrompt);
        router.put("/api/settings/system-prompt").handler(Access.require(Role.OPERATOR))
                .handler(this::setSystemPrompt);
    }

    private void page(RoutingContext ctx) {
        sessions.ensure(ctx).onSuccess(caller -> pages.render(ctx, 200, "chat",
                        Map.of("reasons", chat.settings().reasons(),
                                "maxMessageChars", chat.settings().maxMessageChars())))
                .onFailure(ctx::fail);
    }

    /** The caller; a 401 when the request has no session (the page creates one). */
    private static Optional<Caller> caller(RoutingContext ctx) {
        Optional<Caller> caller = Sessions.caller(ctx);
        if (caller.isEmpty()) {
            HttpError.fail(ctx, 401, "open the chat page first: it starts your session");
        }
        return caller;
    }

    /** The caller's conversations, newest first; with {@code ?q=} only those whose title or messages hold it. */
    private void list(RoutingContext ctx) {
        String query = ctx.queryParams().get("q");
        if (query != null && (query.length() > MAX_SEARCH || StorableText.problem(query).isPresent())) {
            HttpError.fail(ctx, 400, "q must be a text of at most " + MAX_SEARCH + " characters");
            return;
        }
        boolean all = query == null || query.isBlank();
        caller(ctx).ifPresent(caller -> Future.fromCompletionStage(all ? conversations.list(caller.principal(), 100)
                        : conversations.search(caller.principal(), query.strip(), 100))
                .onSuccess(found -> JsonBodies.reply(ctx, new JsonArray(found.stream()
                        .map(c -> new JsonObject().put("id", c.id().toString()).put("title", c.title())
                                .put("updated_at", c.updatedAt().toString()))
                        .toList())))
                .onFailure(ctx::fail));
    }

    /**
     * A new conversation; a body with a {@code request_id} already used by this caller gets the conversation that
     * request created (200 instead of 201), so a first message sent twice starts one conversation.
     */
    private void create(RoutingContext ctx) {
        Optional<Caller> caller = caller(ctx);
        if (caller.isEmpty()) {
            return;
        }
        Optional<String> requestId;
        try {
            JsonObject body = ctx.body().length() == 0 ? new JsonObject() : ctx.body().asJsonObject();
            requestId = RequestIds.of(body == null ? null : body.getValue("request_id"));
        } catch (HttpError | io.vertx.core.json.DecodeException | ClassCastException e) {
            HttpError.fail(ctx, 400, e instanceof HttpError ? e.getMessage() : "the body must be a JSON object");
            return;
        }
        boolean[] created = {requestId.isEmpty()};
        Future<Conversation> conversation = requestId.isEmpty() ? chat.start(caller.get(), "")
                : requestIds.once(caller.get().principal(), "conversation", requestId.get(), () -> {
                    created[0] = true;
                    return chat.start(caller.get(), "");
                });
        conversation.onSuccess(c -> {
                    ctx.response().setStatusCode(created[0] ? 201 : 200);
                    JsonBodies.reply(ctx, new JsonObject().put("id", c.id().toString()));
                })
                .onFailure(ctx::fail);
    }

    /** {@code PATCH /api/conversations/{id}} {@code {"title": "..."}}: the caller renames their conversation. */
    private void rename(RoutingContext ctx) {
        Optional<ApiRequest> request = ApiRequest.readWithBody(ctx);
        if (request.isEmpty()) {
            return;
        }
        if (!(request.get().body().getValue("title") instanceof String raw) || raw.isBlank()
                || raw.strip().length() > MAX_TITLE) {
            HttpError.fail(ctx, 400, "title must be a non-empty string of at most " + MAX_TITLE + " characters");
            return;
        }
        String title = raw.strip().replaceAll("\\s+", " ");
        Future.fromCompletionStage(conversations.rename(request.get().id(), request.get().caller().principal(), title))
                .onSuccess(renamed -> {
                    if (renamed) {
                        JsonBodies.reply(ctx, new JsonObject().put("id", request.get().id().toString())
                                .put("title", title));
                    } else {
                        HttpError.fail(ctx, 404, "no such conversation");
                    }
                })
                .onFailure(ctx::fail);
    }

    /** {@code DELETE /api/conversations/{id}}: the conversation, its messages and their feedback are gone (204). */
    private void delete(RoutingContext ctx) {
        ApiRequest.read(ctx).ifPresent(request -> Future.fromCompletionStage(
                        conversations.delete(request.id(), request.caller().principal()))
                .onSuccess(deleted -> {
                    if (deleted) {
                        ctx.response().setStatusCode(204).end();
                    } else {
                        HttpError.fail(ctx, 404, "no such conversation");
                    }
                })
                .onFailure(ctx::fail));
    }

    private void show(RoutingContext ctx) {
        Optional<ApiRequest> request = ApiRequest.read(ctx);
        if (request.isEmpty()) {
            return;
        }
        UUID id = request.get().id();
        String principal = request.get().caller().principal();
        Future.fromCompletionStage(conversations.find(id, principal))
                .compose(found -> found.isEmpty() ? Future.failedFuture(new HttpError(404, "no such conversation"))
                        : Future.fromCompletionStage(conversations.messages(id))
                        .compose(all -> describe(found.get(), all, principal)))
                .onSuccess(body -> JsonBodies.reply(ctx, body))
                .onFailure(ctx::fail);
    }

    /**
     * The visible branch with the caller's ratings and each message's versions (its siblings: edited versions of a
     * question, the answers to one question; answers written for reviewers are none of them), and the A/B choice
     * still waiting at its end, if any.
     */
    private Future<JsonObject> describe(Conversation conversation, List<Message> all, String principal) {
        List<Message> branch = ConversationRepository.branch(all, conversation.currentMessageId());
        MessageTree tree = new MessageTree(all);
        Map<UUID, Message> byId = all.stream().collect(Collectors.toMap(Message::id, Function.identity()));
        List<UUID> answerIds = all.stream().filter(m -> m.role() == Message.Author.assistant).map(Message::id)
                .toList();
        Optional<Message> lastQuestion = branch.stream().filter(m -> m.role() == Message.Author.user)
                .reduce((a, b) -> b);
        // One query after the other: Hibernate Reactive shares one session per request, and a session takes one
        // query at a time.
        return Future.fromCompletionStage(feedback.ratingsBy(principal, answerIds)).compose(ratings ->
                (lastQuestion.isEmpty() ? Future.succeededFuture(List.<PairwiseComparison>of())
                        : Future.fromCompletionStage(feedback.comparisonsFor(lastQuestion.get().id())))
                        .map(pairs -> {
                    Map<UUID, Rating> ratingOf = new HashMap<>();
                    ratings.forEach(r -> ratingOf.put(r.messageId(), r));
                    JsonArray messages = new JsonArray();
                    for (Message m : branch) {
                        List<Message> siblings = tree.siblings(m);
                        messages.add(messageJson(m, ratingOf.get(m.id()))
                                .put("siblings", new JsonArray(siblings.stream().map(s -> s.id().toString()).toList()))
                                .put("sibling_index", siblings.indexOf(m)));
                    }
                    JsonObject body = new JsonObject()
                            .put("id", conversation.id().toString())
                            .put("title", conversation.title())
                            .put("messages", messages);
                    pairs.stream().filter(p -> p.rater().equals(principal) && p.choice().isEmpty())
                            .reduce((a, b) -> b)
                            .ifPresent(p -> body.put("pending_comparison", new JsonObject()
                                    .put("id", p.id().toString())
                                    .put("a", messageJson(byId.get(p.answerAId()), ratingOf.get(p.answerAId())))
                                    .put("b", messageJson(byId.get(p.answerBId()), ratingOf.get(p.answerBId())))));
                    return body;
                }));
    }

    static JsonObject messageJson(Message m, Rating rating) {
        JsonObject json = new JsonObject()
                .put("id", m.id().toString())
                .put("role", m.role().name())
                .put("content", m.shown())
                .put("created_at", m.createdAt().toString());
        if (m.role() == Message.Author.assistant) {
            json.put("model_version", m.modelVersion());
            json.put("finish_reason", m.finishReason());
            json.put("rating", rating == null ? null : RatingJson.of(rating));
        }
        return json;
    }

    private void send(RoutingContext ctx) {
        ask(ctx, "message ", (caller, id, content, out) -> chat.reply(ctx.vertx().getOrCreateContext(), caller, id,
                content, out));
    }

    /**
     * {@code POST /api/messages/{id}/edit} {@code {"content": ..., "request_id": ...}}: a new version of the
     * caller's message, answered as a message sent (the same stream, limits and request id rules).
     */
    private void edit(RoutingContext ctx) {
        ask(ctx, "edit ", (caller, id, content, out) -> chat.edit(ctx.vertx().getOrCreateContext(), caller, id,
                content, out));
    }

    /** What a question goes to: the caller, the path's id, the text, and the stream for the answer. */
    private interface Asking {
        void ask(Caller caller, UUID id, String content, ChatStream out);
    }

    /**
     * Reads a question ({@code content}, and an optional {@code request_id} that makes it once-only within
     * {@code scope} and the path's id) and streams its answer as server-sent events.
     */
    private void ask(RoutingContext ctx, String scopeName, Asking asking) {
        Optional<ApiRequest> request = ApiRequest.readWithBody(ctx);
        if (request.isEmpty()) {
            return;
        }
        if (!(request.get().body().getValue("content") instanceof String content)) {
            HttpError.fail(ctx, 400, "content must be a string");
            return;
        }
        Optional<String> requestId;
        try {
            requestId = RequestIds.of(request.get().body().getValue("request_id"));
        } catch (HttpError e) {
            HttpError.fail(ctx, 400, e.getMessage());
            return;
        }
        Caller caller = request.get().caller();
        String scope = scopeName + request.get().id();
        ChatStream out = new SseChatStream(ctx);
        if (requestId.isPresent()) {
            if (!requestIds.claim(caller.principal(), scope, requestId.get())) {
                HttpError.fail(ctx, 409, "this message was already sent (the same request_id); its answer is in "
                        + "the conversation");
                return;
            }
            out = new ReleasedOnRefusal(out, () -> requestIds.release(caller.principal(), scope, requestId.get()));
        }
        asking.ask(caller, request.get().id(), content, out);
    }

    /**
     * {@code PUT /api/conversations/{id}/current} {@code {"message_id": ...}}: the page shows the branch through
     * that message (down to the newest leaf under it), now and after a reload; answers the conversation as
     * {@code GET} does.
     */
    private void showBranch(RoutingContext ctx) {
        Optional<ApiRequest> request = ApiRequest.readWithBody(ctx);
        if (request.isEmpty()) {
            return;
        }
        UUID messageId;
        try {
            messageId = UUID.fromString((String) request.get().body().getValue("message_id"));
        } catch (ClassCastException | IllegalArgumentException | NullPointerException e) {
            HttpError.fail(ctx, 400, "message_id must be the id of a message of the conversation");
            return;
        }
        UUID id = request.get().id();
        String principal = request.get().caller().principal();
        Future.fromCompletionStage(conversations.find(id, principal))
                .compose(found -> found.isEmpty() ? Future.failedFuture(new HttpError(404, "no such conversation"))
                        : Future.fromCompletionStage(conversations.showBranchOf(id, principal, messageId)))
                .compose(leaf -> leaf.isEmpty()
                        ? Future.failedFuture(new HttpError(404, "no such message in this conversation"))
                        : Future.fromCompletionStage(conversations.find(id, principal)))
                .compose(conversation -> Future.fromCompletionStage(conversations.messages(id))
                        .compose(all -> describe(conversation.orElseThrow(), all, principal)))
                .onSuccess(body -> JsonBodies.reply(ctx, body))
                .onFailure(ctx::fail);
    }

    /**
     * A stream that gives a request id back when the message is refused before its answer started (nothing was
     * stored), so that the same request may be sent again.
     */
    private static final class ReleasedOnRefusal implements ChatStream {
        private final ChatStream out;
        private final Runnable release;
        private boolean started;

        ReleasedOnRefusal(ChatStream out, Runnable release) {
            this.out = out;
            this.release = release;
        }

        @Override
        public void start(JsonObject info) {
            started = true;
            out.start(info);
        }

        @Override
        public void token(UUID answerId, String text) {
            out.token(answerId, text);
        }

        @Override
        public void done(UUID answerId, JsonObject info) {
            out.done(answerId, info);
        }

        @Override
        public void end() {
            out.end();
        }

        @Override
        public void error(int status, String message) {
            if (!started) {
                release.run();
            }
            out.error(status, message);
        }

        @Override
        public void contextTooLong(String message) {
            release.run();
            out.contextTooLong(message);
        }

        @Override
        public boolean isCancelled() {
            return out.isCancelled();
        }
    }

    private void regenerate(RoutingContext ctx) {
        ApiRequest.read(ctx).ifPresent(request -> chat.regenerate(ctx.vertx().getOrCreateContext(),
                request.caller(), request.id(), new SseChatStream(ctx)));
    }

    private void systemPrompt(RoutingContext ctx) {
        chat.systemPrompt().onSuccess(prompt -> JsonBodies.reply(ctx, new JsonObject().put("system_prompt", prompt)))
                .onFailure(ctx::fail);
    }

    private void setSystemPrompt(RoutingContext ctx) {
        Optional<JsonObject> body = JsonBodies.object(ctx);
        if (body.isEmpty()) {
            return;
        }
        if (!(body.get().getValue("system_prompt") instanceof String prompt) || prompt.length() > MAX_SYSTEM_PROMPT) {
            HttpError.fail(ctx, 400, "system_prompt must be a string of at most " + MAX_SYSTEM_PROMPT + " characters");
            return;
        }
        Future.fromCompletionStage(settings.put(ChatService.SYSTEM_PROMPT_SETTING, prompt))
                .onSuccess(x -> JsonBodies.reply(ctx, new JsonObject().put("system_prompt", prompt)))
                .onFailure(ctx::fail);
    }
}
