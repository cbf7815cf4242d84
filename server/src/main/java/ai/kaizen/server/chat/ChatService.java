package ai.kaizen.server.chat;

import ai.kaizen.db.chat.Conversation;
import ai.kaizen.db.chat.ConversationRepository;
import ai.kaizen.db.chat.Message;
import ai.kaizen.db.feedback.FeedbackRepository;
import ai.kaizen.db.feedback.PairwiseComparison;
import ai.kaizen.db.setting.SettingRepository;
import ai.kaizen.model.generation.FinishReason;
import ai.kaizen.model.generation.GenerationOptions;
import ai.kaizen.model.generation.GenerationResult;
import ai.kaizen.model.tokenizer.ChatMessage;
import ai.kaizen.server.account.Caller;
import ai.kaizen.server.company.CompanyProfiles;
import ai.kaizen.model.placeholder.CustomerValues;
import ai.kaizen.model.placeholder.PlaceholderFiller;
import ai.kaizen.server.company.PlaceholderValues;
import ai.kaizen.server.comparison.Challengers;
import ai.kaizen.server.http.HttpError;
import ai.kaizen.server.inference.Inference;
import ai.kaizen.server.inference.ModelSlot;
import ai.kaizen.server.inference.ServingModel;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * Conversations with the assistant: fits the visible branch into the model's context (on a worker thread, never an
 * event loop), stores the user's message once the model has taken it (a refused message leaves nothing behind),
 * streams one answer (or two, as a blind A/B pair) as the model makes it ({@link Inference}), and stores every
 * answer with what produced it.
 *
 * <p>The answer's {@code {{placeholders}}} are filled as it streams, with the values the customer gave in the
 * conversation ({@link CustomerValues}: "order 48213" earlier makes {@code {{Order Number}}} 48213) and the company
 * profile in force when the answer starts ({@link PlaceholderFiller}, {@link PlaceholderValues}): what the customer
 * sees never holds one, and a value the customer never gave is never made up. The
 * stored answer keeps both: its content is what the model wrote, placeholders included (what datasets, reviewers'
 * ideal answers and so training are made of), and {@link Message#shown()} what the customer saw, which their rating
 * refers to and which the page shows when the conversation is opened again.
 */
public final class ChatService {

    /** Where operators' replacement of the configured system prompt is stored. */
    public static final String SYSTEM_PROMPT_SETTING = "chat.system-prompt";

    private final Supplier<Optional<ServingModel>> serving;
    private final Supplier<Optional<ModelSlot.Lease>> leases;
    private final Challengers challengers;
    private final Inference inference;
    private final ConversationRepository conversations;
    private final FeedbackRepository feedback;
    private final SettingRepository settingsStore;
    private final CompanyProfiles company;
    private final ChatSettings settings;
    private final Random random = new SecureRandom();

    /**
     * Answers with the slot's model: each answer holds a lease, so a hot swap never closes a model mid-answer. The
     * second answer of a pair comes from {@code challengers}' model when it draws one (an online comparison).
     */
    public ChatService(ModelSlot slot, Challengers challengers, Inference inference,
                       ConversationRepository conversations, FeedbackRepository feedback,
                       SettingRepository settingsStore, CompanyProfiles company, ChatSettings settings) {
        this.serving = slot::current;
        this.leases = slot::acquire;
        this.challengers = challengers;
        this.inference = inference;
        this.conversations = conversations;
        this.feedback = feedback;
        this.settingsStore = settingsStore;
        this.company = company;
        this.settings = settings;
    }

    public ChatSettings settings() {
        return settings;
    }

    /** The system prompt new conversations get: the operators' one if set, else the configured one. */
    public Future<String> systemPrompt() {
        return Future.fromCompletionStage(settingsStore.find(SYSTEM_PROMPT_SETTING))
                .map(stored -> stored.orElse(settings.systemPrompt()));
    }

    /**
     * A new conversation of the caller; fails with a {@link ChatError} (409) when an anonymous session already
     * holds {@code limits.session-conversations} of them.
     */
    public Future<Conversation> start(Caller caller, String title) {
        Future<Void> room = caller.isSignedIn() ? Future.succeededFuture()
                : Future.fromCompletionStage(conversations.count(caller.principal())).compose(count ->
                count >= settings.maxSessionConversations()
                        ? Future.failedFuture(new ChatError(409, "this session already has "
                        + settings.maxSessionConversations() + " conversations, the most it may keep"))
                        : Future.succeededFuture());
        return room.compose(ok -> systemPrompt()).compose(prompt -> Future.fromCompletionStage(conversations.create(
                new Conversation(UUID.randomUUID(), caller.principal(), title, prompt))));
    }

    /**
     * Answers {@code text} in the conversation, streaming to {@code out}. Shown as an A/B pair with the configured
     * probability.
     */
    public void reply(Context context, Caller caller, UUID conversationId, String text, ChatStream out) {
        String content = text == null ? "" : text.strip();
        if (content.isEmpty()) {
            out.error(400, "the message is empty");
            return;
        }
        if (content.length() > settings.maxMessageChars()) {
            out.error(413, "the message is longer than " + settings.maxMessageChars() + " characters");
            return;
        }
        if (!ready(out)) {
            return;
        }
        Future.fromCompletionStage(conversations.find(conversationId, caller.principal()), context)
                .compose(found -> found.isEmpty() ? Future.failedFuture(notFound("no such conversation"))
                        : Future.fromCompletionStage(conversations.messages(conversationId), context)
                        .map(all -> new Loaded(found.get(), all)))
                .compose(loaded -> {
                    if (loaded.all().size() + 2 > settings.maxConversationMessages()) {
                        return Future.failedFuture(new ChatError(409, "this conversation is full; start a new one"));
                    }
                    List<Message> branch = ConversationRepository.branch(loaded.all(),
                            loaded.conversation().currentMessageId());
                    UUID parent = branch.isEmpty() ? null : branch.get(branch.size() - 1).id();
                    Message question = Message.written(conversationId, parent, Message.Author.user, content);
                    boolean retitle = branch.isEmpty() && loaded.conversation().title().isBlank();
                    Supplier<Future<Void>> save = () -> {
                        Future<Void> titled = retitle ? Future.fromCompletionStage(
                                conversations.retitle(conversationId, titleOf(content)), context)
                                : Future.succeededFuture();
                        return titled.compose(x -> Future.fromCompletionStage(
                                conversations.append(conversationId, List.of(question), question.id()), context));
                    };
                    List<Message> history = new ArrayList<>(branch);
                    history.add(question);
                    boolean pair = random.nextDouble() < settings.pairwiseProbability();
                    return Future.succeededFuture(new Turn(loaded.conversation(), question, history,
                            pair ? PairwiseComparison.Trigger.sampled : null, Overrides.NONE,
                            ContextWindow.Overflow.CUT, save));
                })
                .onSuccess(turn -> answer(context, caller, turn, out))
                .onFailure(e -> fail(out, e));
    }

    /** Answers the user's message before {@code answerId} again, always as an A/B pair of two new answers. */
    public void regenerate(Context context, Caller caller, UUID answerId, ChatStream out) {
        if (!ready(out)) {
            return;
        }
        Future.fromCompletionStage(conversations.findMessage(answerId, caller.principal()), context)
                .compose(found -> {
                    if (found.isEmpty() || found.get().role() != Message.Author.assistant
                            || found.get().parentId() == null) {
                        return Future.failedFuture(notFound("no such answer"));
                    }
                    UUID conversationId = found.get().conversationId();
                    return Future.fromCompletionStage(conversations.find(conversationId, caller.principal()), context)
                            .compose(conversation -> Future.fromCompletionStage(conversations.messages(conversationId),
                                            context)
                                    .map(all -> {
                                        if (all.size() + 2 > settings.maxConversationMessages()) {
                                            throw new ChatError(409, "this conversation is full; start a new one");
                                        }
                                        List<Message> history = ConversationRepository.branch(all,
                                                found.get().parentId());
                                        return new Turn(conversation.orElseThrow(), history.get(history.size() - 1),
                                                history, PairwiseComparison.Trigger.regenerate, Overrides.NONE,
                                                ContextWindow.Overflow.CUT, Future::<Void>succeededFuture);
                                    }));
                })
                .onSuccess(turn -> answer(context, caller, turn, out))
                .onFailure(e -> fail(out, e));
    }

    /**
     * Answers a whole conversation sent at once (the OpenAI-compatible API, which keeps no state): it is stored as a
     * conversation of the caller, so that its answer can be rated later by id. As OpenAI's API does, the oldest
     * turns are left out when the conversation does not fit, and when even the last message does not fit the
     * request is refused ({@link ChatStream#contextTooLong}) and nothing is stored.
     *
     * @param messages the request's messages; system messages become the conversation's system prompt, the last
     *                 message must be the user's
     */
    public void complete(Context context, Caller caller, List<ChatMessage> messages, Overrides overrides,
                         ChatStream out) {
        if (!ready(out)) {
            return;
        }
        List<ChatMessage> turns = messages.stream().filter(m -> !m.role().equals("system")).toList();
        if (turns.isEmpty() || !turns.get(turns.size() - 1).role().equals("user")) {
            out.error(400, "messages must end with a user message");
            return;
        }
        if (turns.size() + 1 > settings.maxConversationMessages()) {
            out.error(400, "at most " + settings.maxConversationMessages() + " messages");
            return;
        }
        for (ChatMessage m : turns) {
            if (m.content().length() > settings.maxMessageChars()) {
                out.error(413, "a message is longer than " + settings.maxMessageChars() + " characters");
                return;
            }
        }
        String system = String.join("\n\n", messages.stream().filter(m -> m.role().equals("system"))
                .map(ChatMessage::content).toList());
        Future<String> systemPrompt = system.isEmpty() ? systemPrompt() : Future.succeededFuture(system);
        UUID conversationId = UUID.randomUUID();
        List<Message> history = new ArrayList<>();
        UUID parent = null;
        for (ChatMessage m : turns) {
            Message stored = Message.written(conversationId, parent, Message.Author.valueOf(m.role()), m.content());
            history.add(stored);
            parent = stored.id();
        }
        UUID last = parent;
        systemPrompt.onSuccess(prompt -> {
                    Conversation conversation = new Conversation(conversationId, caller.principal(),
                            titleOf(turns.get(0).content()), prompt);
                    Supplier<Future<Void>> save = () -> Future.fromCompletionStage(
                                    conversations.create(conversation), context)
                            .compose(created -> Future.fromCompletionStage(
                                    conversations.append(conversationId, history, last), context));
                    answer(context, caller, new Turn(conversation, history.get(history.size() - 1), history, null,
                            overrides, ContextWindow.Overflow.REFUSE, save), out);
                })
                .onFailure(e -> fail(out, e));
    }

    /**
     * Whether a model is loaded and the queue has room; otherwise the stream has been told (503). Checked before
     * the conversation is read, so that a busy server turns messages away cheaply.
     */
    private boolean ready(ChatStream out) {
        if (serving.get().isEmpty()) {
            out.error(503, "no model is loaded; an operator must configure one");
            return false;
        }
        if (!inference.hasRoom()) {
            out.error(503, Inference.Saturated.MESSAGE);
            return false;
        }
        return true;
    }

    private record Loaded(Conversation conversation, List<Message> all) {
    }

    /**
     * One question to answer: its conversation, the history ending with it, whether answers come in pairs, what to
     * do when it does not fit the model, and how to store what is new (the question) once the model has taken it.
     */
    private record Turn(Conversation conversation, Message question, List<Message> history,
                        PairwiseComparison.Trigger pairwise, Overrides overrides, ContextWindow.Overflow overflow,
                        Supplier<Future<Void>> save) {
    }

    /**
     * Sampling settings a caller of the OpenAI-compatible API may set for one answer; null keeps the configured one.
     */
    public record Overrides(Integer maxNewTokens, Double temperature, Double topP, Long seed, List<String> stop) {
        public static final Overrides NONE = new Overrides(null, null, null, null, List.of());
    }

    /**
     * Who answers: the model of {@code lease}, answers {@code first} to {@code first + count - 1}, from
     * {@code prompt} (each model fits the conversation with its own tokenizer).
     */
    private record Arm(ModelSlot.Lease lease, ChatPrompt prompt, GenerationOptions options, int first, int count) {
        ServingModel model() {
            return lease.model();
        }
    }

    /** The prompt of each arm, and the values the customer gave in the conversation. */
    private record Fitted(List<Arm> arms, CustomerValues customer) {
    }

    private void answer(Context context, Caller caller, Turn turn, ChatStream out) {
        // The model current now, which may be newer than the one checked before (a hot swap in between); the lease
        // keeps it open until its answer is done.
        Optional<ModelSlot.Lease> leased = leases.get();
        if (leased.isEmpty()) {
            out.error(503, "no model is loaded; an operator must configure one");
            return;
        }
        int answers = turn.pairwise() == null ? 1 : 2;
        Overrides o = turn.overrides();
        long seed = o.seed() != null ? o.seed() : random.nextLong() & Long.MAX_VALUE;
        // A pair may be an online comparison: its second answer then comes from the challenger.
        Optional<ModelSlot.Lease> challenger = answers == 2
                ? challengers.draw(leased.get().model().version(), random) : Optional.empty();
        List<ModelSlot.Lease> held = new ArrayList<>(List.of(leased.get()));
        challenger.ifPresent(held::add);
        int maxNewTokens = o.maxNewTokens() != null ? o.maxNewTokens() : settings.maxNewTokens();
        List<ChatMessage> history = turn.history().stream()
                .map(m -> new ChatMessage(m.role().name(), m.content())).toList();
        // Read while the prompt is fitted: a profile saved on any instance applies from the next answer.
        Future<PlaceholderValues> placeholders = Future.fromCompletionStage(
                company.placeholders().toCompletionStage(), context);
        // Tokenizing and reading the customer's values grow with the conversation: on a worker thread, never on
        // the event loop.
        context.executeBlocking(() -> {
            List<Arm> arms = new ArrayList<>();
            for (int k = 0; k < held.size(); k++) {
                ServingModel model = held.get(k).model();
                int count = answers / held.size(); // every arm answers as many: both, or one each
                int first = k * count;
                ChatPrompt prompt = window(model, maxNewTokens)
                        .fit(turn.conversation().systemPrompt(), history, turn.overflow());
                arms.add(new Arm(held.get(k), prompt, options(model, o, prompt.answerRoom(), seed + first),
                        first, count));
            }
            // The whole branch, not only what fits the model: a number given long ago is still the customer's.
            return new Fitted(arms, CustomerValues.of(history));
        }, false).onComplete(fitted -> placeholders.onComplete(values -> {
            if (fitted.failed()) {
                held.forEach(ModelSlot.Lease::close);
                if (fitted.cause() instanceof ContextWindow.TooLong tooLong) {
                    out.contextTooLong(tooLong.getMessage());
                } else {
                    fail(out, fitted.cause());
                }
                return;
            }
            if (values.failed()) {
                held.forEach(ModelSlot.Lease::close);
                fail(out, values.cause());
                return;
            }
            generate(context, caller, turn, fitted.result().arms(), seed,
                    fitted.result().customer().before(values.result()), out);
        }));
    }

    /** {@code model}'s context window, for answers of at most {@code maxNewTokens}. */
    private static ContextWindow window(ServingModel model, int maxNewTokens) {
        return new ContextWindow(PromptTokenizer.of(model.tokenizer()), model.contextSize(), maxNewTokens);
    }

    private void generate(Context context, Caller caller, Turn turn, List<Arm> arms, long seed,
                          UnaryOperator<String> placeholders, ChatStream out) {
        int answers = arms.stream().mapToInt(Arm::count).sum();
        ChatPrompt prompt = arms.get(0).prompt();
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < answers; i++) {
            ids.add(UUID.randomUUID());
        }
        // Blind A/B: which sequence is shown as A is random.
        List<UUID> sides = new ArrayList<>(ids);
        Collections.shuffle(sides, random);
        UUID comparisonId = answers == 2 ? UUID.randomUUID() : null;

        JsonObject start = new JsonObject()
                .put("conversation_id", turn.conversation().id().toString())
                .put("user_message_id", turn.question().id().toString())
                .put("answers", new io.vertx.core.json.JsonArray(sides.stream().map(UUID::toString).toList()))
                .put("comparison_id", comparisonId == null ? null : comparisonId.toString())
                .put("dropped_messages", prompt.dropped())
                .put("message_cut", prompt.cut())
                .put("prompt_tokens", prompt.promptTokens());
        long started = System.nanoTime();
        long[] firstToken = new long[answers];
        // One per answer, each fed in order by the inference thread that generates it.
        List<PlaceholderFiller> fillers = new ArrayList<>();
        for (int i = 0; i < answers; i++) {
            fillers.add(new PlaceholderFiller(placeholders));
        }
        // Set when the model refused one arm after it took another: that one stops at its next token.
        java.util.concurrent.atomic.AtomicBoolean abandoned = new java.util.concurrent.atomic.AtomicBoolean();
        List<java.util.concurrent.CompletableFuture<List<GenerationResult>>> generations = new ArrayList<>();
        for (Arm arm : arms) {
            java.util.concurrent.CompletableFuture<List<GenerationResult>> generating = inference.generate(
                    new Inference.Request(arm.model(), Collections.nCopies(arm.count(), arm.prompt().promptIds()),
                            arm.options(), token -> {
                        int index = arm.first() + token.sequence();
                        if (firstToken[index] == 0) {
                            firstToken[index] = System.nanoTime();
                        }
                        String text = fillers.get(index).accept(token.text());
                        if (!text.isEmpty()) {
                            UUID id = ids.get(index);
                            context.runOnContext(v -> out.token(id, text));
                        }
                        return !out.isCancelled() && !abandoned.get();
                    }, () -> out.isCancelled() || abandoned.get(), Inference.Priority.CHAT, arm.prompt().messages()));
            // Returned on the inference thread as soon as the model is done, before the answer is stored.
            generating.whenComplete((results, failure) -> arm.lease().close());
            generations.add(generating);
        }
        if (generations.stream().anyMatch(java.util.concurrent.CompletableFuture::isCompletedExceptionally)) {
            // Refused before anything was stored: the message leaves nothing behind.
            abandoned.set(true);
            out.error(503, Inference.Saturated.MESSAGE);
            return;
        }
        java.util.concurrent.CompletableFuture<List<GenerationResult>> all = java.util.concurrent.CompletableFuture
                .allOf(generations.toArray(java.util.concurrent.CompletableFuture[]::new))
                .thenApply(done -> generations.stream().flatMap(g -> g.join().stream()).toList());
        // Tokens reach the stream through this context, so they always come after this start event.
        out.start(start);
        // The question is stored while the model answers it; its answers only after it.
        Future<Void> saved = turn.save().get().onFailure(e -> abandoned.set(true));
        all.whenComplete((results, failure) -> context.runOnContext(v -> saved.onComplete(save -> {
            if (failure != null) {
                fail(out, failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                        ? failure.getCause() : failure);
            } else if (save.failed()) {
                fail(out, save.cause());
            } else {
                // What a possible placeholder held back at the end, e.g. an unclosed {{...
                for (int i = 0; i < ids.size(); i++) {
                    String rest = fillers.get(i).finish();
                    if (!rest.isEmpty()) {
                        out.token(ids.get(i), rest);
                    }
                }
                store(context, caller, arms, turn, seed, ids, sides, comparisonId, results, started, firstToken,
                        placeholders, out);
            }
        })));
    }

    private void store(Context context, Caller caller, List<Arm> arms, Turn turn, long seed, List<UUID> ids,
                       List<UUID> sides, UUID comparisonId, List<GenerationResult> results, long started,
                       long[] firstToken, UnaryOperator<String> placeholders, ChatStream out) {
        int latencyMs = (int) ((System.nanoTime() - started) / 1_000_000);
        List<Message> answers = new ArrayList<>();
        List<JsonObject> done = new ArrayList<>();
        for (int i = 0; i < results.size(); i++) {
            Arm arm = arms.get(i / arms.get(0).count());
            GenerationResult r = results.get(i);
            Integer ttft = firstToken[i] == 0 ? null : (int) ((firstToken[i] - started) / 1_000_000);
            String finish = finishReason(r.finishReason());
            // The same text as was streamed: the filler gives the same however the answer was cut into tokens.
            String shown = PlaceholderFiller.fillAll(r.text(), placeholders);
            answers.add(Message.answer(ids.get(i), turn.conversation().id(), turn.question().id(), r.text(),
                    new Message.Generation(arm.model().version(), sampling(arm.options(), seed + i).encode(),
                            arm.prompt().promptTokens(), r.tokenIds().length, latencyMs, ttft, finish))
                    .shownAs(shown));
            done.add(new JsonObject()
                    .put("finish_reason", finish)
                    .put("completion_tokens", r.tokenIds().length)
                    .put("prompt_tokens", arm.prompt().promptTokens())
                    .put("latency_ms", latencyMs)
                    .put("first_token_ms", ttft)
                    .put("text", shown)
                    .put("model_version", arm.model().version()));
        }
        UUID shown = sides.get(0);
        Future<Void> stored = Future.fromCompletionStage(
                conversations.append(turn.conversation().id(), answers, shown), context);
        if (comparisonId != null) {
            stored = stored.compose(x -> Future.fromCompletionStage(feedback.createComparison(new PairwiseComparison(
                    comparisonId, turn.question().id(), sides.get(0), sides.get(1), caller.principal(),
                    turn.pairwise())), context)).mapEmpty();
        }
        stored.onSuccess(x -> {
            for (int i = 0; i < ids.size(); i++) {
                out.done(ids.get(i), done.get(i).put("message_id", ids.get(i).toString()));
            }
            out.end();
        }).onFailure(e -> fail(out, e));
    }

    /**
     * The configured sampling settings, with the caller's overrides, for answers of at most {@code answerRoom}
     * tokens, seeded with {@code seed}.
     */
    private GenerationOptions options(ServingModel model, Overrides o, int answerRoom, long seed) {
        return GenerationOptions.builder(model.generationConfig())
                .maxNewTokens(answerRoom)
                .doSample(true)
                .temperature(o.temperature() != null ? o.temperature() : settings.temperature())
                .topP(o.topP() != null ? o.topP() : settings.topP())
                .topK(settings.topK())
                .repetitionPenalty(settings.repetitionPenalty())
                .stopStrings(stopStrings(model, o.stop()))
                .seed(seed)
                .build();
    }

    /** What every stored answer records of how it was sampled ({@code message.sampling}). */
    private static JsonObject sampling(GenerationOptions options, long seed) {
        return new JsonObject()
                .put("temperature", options.temperature())
                .put("top_p", options.topP())
                .put("top_k", options.topK())
                .put("repetition_penalty", options.repetitionPenalty())
                .put("max_new_tokens", options.maxNewTokens())
                .put("seed", seed);
    }

    /**
     * Samples {@code n} new answers (seeds {@code seed} to {@code seed + n - 1}, one request of background priority:
     * users' chats go first) to the last message of {@code history}, with the conversation's system prompt and the
     * configured sampling, and returns them as unsaved messages beside the answers already there: review
     * candidates. Nothing is streamed or stored; the prompt is fitted (as for the chat page) on a worker thread.
     * Fails with {@link Inference.Saturated} when too much waits for the model, and with
     * {@link IllegalArgumentException} (as the cause) when the conversation cannot fit the model.
     */
    public java.util.concurrent.CompletableFuture<List<Message>> sampleAnswers(Context context, ServingModel model,
                                                                            Conversation conversation,
                                                                            List<Message> history, int n, long seed) {
        Message question = history.get(history.size() - 1);
        long started = System.nanoTime();
        return context.executeBlocking(() -> window(model, settings.maxNewTokens()).fit(conversation.systemPrompt(),
                        history.stream().map(m -> new ChatMessage(m.role().name(), m.content())).toList(),
                        ContextWindow.Overflow.CUT), false)
                .toCompletionStage().toCompletableFuture()
                .thenCompose(prompt -> {
                    GenerationOptions options = options(model, Overrides.NONE, prompt.answerRoom(), seed);
                    return inference.generate(new Inference.Request(model, Collections.nCopies(n, prompt.promptIds()),
                                    options, token -> true, () -> false, Inference.Priority.BACKGROUND,
                                    prompt.messages()))
                            .thenApply(results -> {
                                int latencyMs = (int) ((System.nanoTime() - started) / 1_000_000);
                                List<Message> answers = new ArrayList<>();
                                for (int i = 0; i < results.size(); i++) {
                                    GenerationResult r = results.get(i);
                                    answers.add(Message.answer(UUID.randomUUID(), conversation.id(), question.id(),
                                            r.text(), new Message.Generation(model.version(),
                                                    sampling(options, seed + i).encode(), prompt.promptTokens(),
                                                    r.tokenIds().length, latencyMs, null,
                                                    finishReason(r.finishReason()))));
                                }
                                return answers;
                            });
                });
    }

    /**
     * The caller's stop strings, plus the end-of-turn markers when the model has no template of its own (an external
     * engine applies its own template, and its own stops).
     */
    private static List<String> stopStrings(ServingModel model, List<String> requested) {
        if (model.engine().isPresent() || !model.tokenizer().chatTemplate().isFallback()) {
            return requested;
        }
        List<String> stops = new ArrayList<>(requested);
        stops.addAll(ai.kaizen.model.generation.Generator.FALLBACK_STOPS);
        return stops;
    }

    static String finishReason(FinishReason reason) {
        return switch (reason) {
            case EOS, STOP_STRING -> "stop";
            case LENGTH -> "length";
            case CANCELLED -> "cancelled";
        };
    }

    private static String titleOf(String firstMessage) {
        String oneLine = firstMessage.replaceAll("\\s+", " ").strip();
        return oneLine.length() <= 60 ? oneLine : oneLine.substring(0, 57) + "...";
    }

    private static ChatError notFound(String message) {
        return new ChatError(404, message);
    }

    private static void fail(ChatStream out, Throwable e) {
        if (e instanceof ChatError error) {
            out.error(error.status, error.getMessage());
        } else if (e instanceof Inference.Saturated || e instanceof Inference.Unavailable) {
            out.error(503, e.getMessage());
        } else if (e instanceof HttpError) {
            out.error(400, e.getMessage());
        } else {
            org.slf4j.LoggerFactory.getLogger(ChatService.class).error("chat failed", e);
            out.error(500, "the answer failed; it has been logged");
        }
    }

    /** A failure with the status and message the client gets. */
    static final class ChatError extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int status;

        ChatError(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }
}
