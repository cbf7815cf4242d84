package ai.kaizen.trainer.cycle;

import ai.kaizen.model.tokenizer.ChatMessage;

import java.util.List;

/**
 * Judges an answer to a conversation with a scalar (higher is better): the evaluation gate's reward-model score
 * and, comparing two answers to one prompt, its win rate. Implemented by the reward model once it is wired in
 * {@link CycleStages#scorer}.
 */
public interface ResponseScorer extends AutoCloseable {

    double score(List<ChatMessage> conversation, String answer);

    @Override
    default void close() {
    }
}
