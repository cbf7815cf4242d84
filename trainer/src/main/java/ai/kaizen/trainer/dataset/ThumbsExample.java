package ai.kaizen.trainer.dataset;

import ai.kaizen.model.tokenizer.ChatMessage;

import java.util.List;
import java.util.Objects;

/**
 * One answer labelled good or bad.
 *
 * @param prompt     the conversation before the answer
 * @param completion the answer (the assistant's text)
 * @param label      true for a good answer
 */
public record ThumbsExample(List<ChatMessage> prompt, String completion, boolean label, Provenance provenance)
        implements Example {

    public ThumbsExample {
        prompt = List.copyOf(prompt);
        Objects.requireNonNull(completion, "completion");
        Objects.requireNonNull(provenance, "provenance");
    }
}
