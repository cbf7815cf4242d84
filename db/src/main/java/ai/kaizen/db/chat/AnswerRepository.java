package ai.kaizen.db.chat;

import ai.kaizen.db.feedback.PairwiseComparison;
import org.hibernate.reactive.stage.Stage;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Answers as their model writes them. An answer is stored when its generation starts, as
 * {@link Message#INTERRUPTED}, which is what it is if the process writing it dies: its id, already sent to the
 * client, then names a stored answer that can be rated and chosen. Its text is saved as it grows
 * ({@link #saveProgress}) and the answer is finished ({@link #finish}) with all that produced it.
 */
public final class AnswerRepository {

    /** Saves text written so far, unless the answer was finished meanwhile (a late save never undoes the end). */
    private static final String PROGRESS = """
            UPDATE message SET content = :content, shown_content = NULLIF(CAST(:shown AS text), CAST(:content AS text)),
                   completion_tokens = :tokens
            WHERE id = :id AND finish_reason = '%s'""".formatted(Message.INTERRUPTED);

    private static final String FINISH = """
            UPDATE message SET content = :content, shown_content = CAST(:shown AS text),
                   model_version = CAST(:version AS text), sampling = CAST(CAST(:sampling AS text) AS jsonb),
                   prompt_tokens = CAST(:promptTokens AS integer), completion_tokens = CAST(:completionTokens AS integer),
                   latency_ms = CAST(:latency AS integer), first_token_ms = CAST(:firstToken AS integer),
                   finish_reason = :finish
            WHERE id = :id AND role = 'assistant'""";

    private final Stage.SessionFactory sessions;

    public AnswerRepository(Stage.SessionFactory sessions) {
        this.sessions = sessions;
    }

    /**
     * Stores answers whose generation starts ({@link Message#started}) with the question they answer, the pair they
     * form when they are two, and makes {@code current} the conversation's visible leaf, in one transaction: the
     * answer ids a client is sent once it commits name stored answers, and one commit stands before the first token.
     */
    public CompletionStage<Void> start(Question question, UUID conversationId, List<Message> answers, UUID current,
                                       Optional<PairwiseComparison> pair) {
        return sessions.withTransaction(s -> (question.created().isPresent()
                ? s.persist(question.created().get()).thenApply(done -> question.created().get())
                : s.find(Conversation.class, conversationId))
                .thenCompose(conversation -> {
                    if (conversation == null) {
                        throw new IllegalArgumentException("no conversation " + conversationId);
                    }
                    question.title().ifPresent(conversation::retitle);
                    conversation.moveTo(current);
                    List<Object> written = new ArrayList<>(question.messages());
                    written.addAll(answers);
                    pair.ifPresent(written::add);
                    return s.persist(written.toArray());
                }));
    }

    /**
     * The text of an unfinished answer so far.
     *
     * @param content what the model wrote, placeholders included
     * @param shown   what the customer was shown of it
     */
    public record Progress(UUID answerId, String content, String shown, int completionTokens) {
    }

    /** Saves the text of unfinished answers so far, in one transaction; finished answers are left as they are. */
    public CompletionStage<Void> saveProgress(List<Progress> progress) {
        return sessions.withTransaction(s -> {
            CompletionStage<Void> chain = CompletableFuture.completedFuture(null);
            for (Progress p : progress) {
                chain = chain.thenCompose(done -> s.createNativeQuery(PROGRESS)
                        .setParameter("content", p.content())
                        .setParameter("shown", p.shown())
                        .setParameter("tokens", p.completionTokens())
                        .setParameter("id", p.answerId())
                        .executeUpdate()
                        .thenApply(updated -> null));
            }
            return chain;
        });
    }

    /**
     * Finishes answers stored by {@link #start}: their text, what the customer saw, and what produced them (the
     * counts, timings and finish reason of {@code answers}), in one transaction.
     */
    public CompletionStage<Void> finish(List<Message> answers) {
        return sessions.withTransaction(s -> {
            CompletionStage<Void> chain = CompletableFuture.completedFuture(null);
            for (Message m : answers) {
                chain = chain.thenCompose(done -> s.createNativeQuery(FINISH)
                        .setParameter("content", m.content())
                        .setParameter("shown", m.shown().equals(m.content()) ? null : m.shown())
                        .setParameter("version", m.modelVersion())
                        .setParameter("sampling", m.sampling())
                        .setParameter("promptTokens", m.promptTokens())
                        .setParameter("completionTokens", m.completionTokens())
                        .setParameter("latency", m.latencyMs())
                        .setParameter("firstToken", m.firstTokenMs())
                        .setParameter("finish", m.finishReason())
                        .setParameter("id", m.id())
                        .executeUpdate()
                        .thenApply(updated -> {
                            if (updated != 1) {
                                throw new IllegalStateException("no started answer " + m.id());
                            }
                            return null;
                        }));
            }
            return chain;
        });
    }
}
