package ai.kaizen.server.review;

import ai.kaizen.db.chat.Conversation;
import ai.kaizen.db.chat.Message;
import ai.kaizen.model.generation.GenerationOptions;
import ai.kaizen.model.generation.GenerationResult;
import ai.kaizen.model.tokenizer.ChatMessage;
import ai.kaizen.server.chat.AnswerOptions;
import ai.kaizen.server.chat.ContextWindow;
import ai.kaizen.server.chat.Overrides;
import ai.kaizen.server.inference.Inference;
import ai.kaizen.server.inference.ServingModel;
import io.vertx.core.Context;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * Samples new answers to a user's message for reviewers to rank beside the one the user saw, made as the chat
 * makes its answers ({@link AnswerOptions}: the conversation's system prompt, the prompt fitted the same way, the
 * configured sampling), but at background priority (users' chats go first) and neither streamed nor stored.
 */
public final class CandidateSampler {

    private final Inference inference;
    private final AnswerOptions options;

    public CandidateSampler(Inference inference, AnswerOptions options) {
        this.inference = inference;
        this.options = options;
    }

    /**
     * {@code n} new answers (seeds {@code seed} to {@code seed + n - 1}, one request) to the last message of
     * {@code history}, as unsaved messages beside the answers already there (marked {@link Message#forReview()}: never
     * one of the user's branches). The prompt is fitted on a worker
     * thread. Fails with {@link Inference.Saturated} when too much waits for the model, and with
     * {@link IllegalArgumentException} (as the cause) when the conversation cannot fit the model.
     */
    public CompletableFuture<List<Message>> sample(Context context, ServingModel model, Conversation conversation,
                                                   List<Message> history, int n, long seed) {
        Message question = history.get(history.size() - 1);
        long started = System.nanoTime();
        return context.executeBlocking(() -> AnswerOptions.fit(model, options.maxNewTokens(),
                        conversation.systemPrompt(),
                        history.stream().map(m -> new ChatMessage(m.role().name(), m.content())).toList(),
                        ContextWindow.Overflow.CUT), false)
                .toCompletionStage().toCompletableFuture()
                .thenCompose(prompt -> {
                    GenerationOptions generation = options.options(model, Overrides.NONE, prompt.answerRoom(), seed);
                    return inference.generate(new Inference.Request(model, Collections.nCopies(n, prompt.promptIds()),
                                    generation, token -> true, () -> false, Inference.Priority.BACKGROUND,
                                    prompt.messages()))
                            .thenApply(results -> {
                                int latencyMs = (int) ((System.nanoTime() - started) / 1_000_000);
                                List<Message> answers = new ArrayList<>();
                                for (int i = 0; i < results.size(); i++) {
                                    GenerationResult r = results.get(i);
                                    answers.add(Message.answer(UUID.randomUUID(), conversation.id(), question.id(),
                                            r.text(), new Message.Generation(model.version(),
                                                    AnswerOptions.sampling(generation, seed + i).encode(),
                                                    prompt.promptTokens(), r.tokenIds().length, latencyMs, null,
                                                    AnswerOptions.finishReason(r.finishReason())))
                                            .forReview());
                                }
                                return answers;
                            });
                });
    }
}
