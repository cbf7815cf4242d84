package ai.kaizen.server.chat;

import ai.kaizen.db.chat.AnswerRepository;
import ai.kaizen.db.chat.Conversation;
import ai.kaizen.db.chat.ConversationRepository;
import ai.kaizen.db.chat.Message;
import ai.kaizen.db.chat.Question;
import ai.kaizen.db.feedback.PairwiseComparison;
import ai.kaizen.db.setting.SettingRepository;
import ai.kaizen.model.tokenizer.ChatMessage;
import ai.kaizen.server.account.Caller;
import ai.kaizen.server.company.CompanyProfiles;
import ai.kaizen.server.comparison.Challengers;
import ai.kaizen.server.http.HttpError;
import ai.kaizen.server.inference.Inference;
import ai.kaizen.server.inference.ModelSlot;
import io.vertx.core.Context;
import io.vertx.core.Future;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * The turns of conversations with the assistant: starts conversations, checks what a user sends (length, room in
 * the session and the conversation), and makes a {@link Turn} of it (the question, the visible branch it continues,
 * whether it gets an A/B pair, and how the question is stored once the model has taken it, so that a refused message
 * leaves nothing behind), which {@link AnswerGenerator} answers.
 */
public final class ChatService {

    /** Where operators' replacement of the configured system prompt is stored. */
    public static final String SYSTEM_PROMPT_SETTING = "chat.system-prompt";

    private final AnswerGenerator answers;
    private final ConversationRepository conversations;
    private final SettingRepository settingsStore;
    private final ChatSettings settings;

    /**
     * Answers with the slot's model: each answer holds a lease, so a hot swap never closes a model mid-answer. The
     * second answer of a pair comes from {@code challengers}' model when it draws one (an online comparison).
     */
    public ChatService(ModelSlot slot, Challengers challengers, Inference inference,
                       ConversationRepository conversations, AnswerRepository answers,
                       SettingRepository settingsStore, CompanyProfiles company, ChatSettings settings) {
        this.answers = new AnswerGenerator(slot, challengers, inference,
                new AnswerStore(answers, settings.progressSaveMs()), company, new AnswerOptions(settings));
        this.conversations = conversations;
        this.settingsStore = settingsStore;
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
     * A new conversation of the caller; fails with a 409 {@link HttpError} when an anonymous session already
     * holds {@code limits.session-conversations} of them.
     */
    public Future<Conversation> start(Caller caller, String title) {
        Future<Void> room = caller.isSignedIn() ? Future.succeededFuture()
                : Future.fromCompletionStage(conversations.count(caller.principal())).compose(count ->
                count >= settings.maxSessionConversations()
                        ? Future.failedFuture(new HttpError(409, "this session already has "
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
        ask(context, caller, text, out, () -> Future.fromCompletionStage(conversations.find(conversationId,
                        caller.principal()), context)
                .compose(found -> found.isEmpty() ? Future.failedFuture(notFound("no such conversation"))
                        : load(context, found.get(), null)));
    }

    /**
     * Answers {@code text} as a new version of the user's message {@code messageId}: a sibling of it (the same
     * parent) that becomes the conversation's current branch, answered as {@link #reply} answers. The message and
     * everything under it stay.
     */
    public void edit(Context context, Caller caller, UUID messageId, String text, ChatStream out) {
        ask(context, caller, text, out, () -> Future.fromCompletionStage(conversations.findMessage(messageId,
                        caller.principal()), context)
                .compose(found -> {
                    if (found.isEmpty()) {
                        return Future.failedFuture(notFound("no such message"));
                    }
                    if (found.get().role() != Message.Author.user) {
                        return Future.failedFuture(new HttpError(400, "only your own messages can be edited, not "
                                + "the assistant's"));
                    }
                    return Future.fromCompletionStage(conversations.find(found.get().conversationId(),
                                    caller.principal()), context)
                            .compose(conversation -> load(context, conversation.orElseThrow(), found.get()));
                }));
    }

    /**
     * The conversation with its messages, and the message a new question follows: the end of the visible branch,
     * or for an edit the edited message's parent.
     */
    private Future<Loaded> load(Context context, Conversation conversation, Message edited) {
        return Future.fromCompletionStage(conversations.messages(conversation.id()), context).map(all -> {
            List<Message> branch = ConversationRepository.branch(all, edited == null
                    ? conversation.currentMessageId() : edited.parentId());
            return new Loaded(conversation, all, branch);
        });
    }

    /**
     * Checks {@code text}, then asks it after the branch {@code loading} gives. The first question of a conversation
     * titles it (an edited first question does not: the conversation already has its title).
     */
    private void ask(Context context, Caller caller, String text, ChatStream out, Supplier<Future<Loaded>> loading) {
        String content = text == null ? "" : text.strip();
        if (content.isEmpty()) {
            out.error(400, "the message is empty");
            return;
        }
        if (content.length() > settings.maxMessageChars()) {
            out.error(413, "the message is longer than " + settings.maxMessageChars() + " characters");
            return;
        }
        if (!answers.ready(out)) {
            return;
        }
        loading.get().compose(loaded -> {
                    if (loaded.all().size() + 2 > settings.maxConversationMessages()) {
                        return Future.failedFuture(new HttpError(409, "this conversation is full; start a new one"));
                    }
                    UUID conversationId = loaded.conversation().id();
                    List<Message> branch = loaded.branch();
                    UUID parent = branch.isEmpty() ? null : branch.get(branch.size() - 1).id();
                    Message question = Message.written(conversationId, parent, Message.Author.user, content);
                    boolean retitle = branch.isEmpty() && loaded.conversation().title().isBlank();
                    Question asked = Question.asked(question,
                            retitle ? Optional.of(titleOf(content)) : Optional.empty());
                    List<Message> history = new ArrayList<>(branch);
                    history.add(question);
                    boolean pair = answers.drawPair(settings.pairwiseProbability());
                    return Future.succeededFuture(new Turn(loaded.conversation(), question, history,
                            pair ? PairwiseComparison.Trigger.sampled : null, Overrides.NONE,
                            ContextWindow.Overflow.CUT, asked));
                })
                .onSuccess(turn -> answers.answer(context, caller, turn, out))
                .onFailure(out::fail);
    }

    /** Answers the user's message before {@code answerId} again, always as an A/B pair of two new answers. */
    public void regenerate(Context context, Caller caller, UUID answerId, ChatStream out) {
        if (!answers.ready(out)) {
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
                                            throw new HttpError(409, "this conversation is full; start a new one");
                                        }
                                        List<Message> history = ConversationRepository.branch(all,
                                                found.get().parentId());
                                        return new Turn(conversation.orElseThrow(), history.get(history.size() - 1),
                                                history, PairwiseComparison.Trigger.regenerate, Overrides.NONE,
                                                ContextWindow.Overflow.CUT, Question.stored());
                                    }));
                })
                .onSuccess(turn -> answers.answer(context, caller, turn, out))
                .onFailure(out::fail);
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
        if (!answers.ready(out)) {
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
        systemPrompt.onSuccess(prompt -> {
                    Conversation conversation = new Conversation(conversationId, caller.principal(),
                            titleOf(turns.get(0).content()), prompt);
                    answers.answer(context, caller, new Turn(conversation, history.get(history.size() - 1), history, null,
                            overrides, ContextWindow.Overflow.REFUSE,
                            Question.inNewConversation(conversation, history)), out);
                })
                .onFailure(out::fail);
    }

    /** A conversation to ask in: all its messages, and the branch the question follows. */
    private record Loaded(Conversation conversation, List<Message> all, List<Message> branch) {
    }

    private static String titleOf(String firstMessage) {
        String oneLine = firstMessage.replaceAll("\\s+", " ").strip();
        return oneLine.length() <= 60 ? oneLine : oneLine.substring(0, 57) + "...";
    }

    private static HttpError notFound(String message) {
        return new HttpError(404, message);
    }
}
