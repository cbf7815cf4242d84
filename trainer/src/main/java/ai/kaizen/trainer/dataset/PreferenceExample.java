package ai.kaizen.trainer.dataset;

import ai.kaizen.model.tokenizer.ChatMessage;

import java.util.List;
import java.util.Objects;

/**
 * Two answers to the same prompt, one preferred.
 *
 * @param prompt   the conversation before the answers
 * @param chosen   the better answer (the assistant's text)
 * @param rejected the worse answer
 */
public record PreferenceExample(List<ChatMessage> prompt, String chosen, String rejected, Provenance provenance)
        implements Example {

    public PreferenceExample {
        prompt = List.copyOf(prompt);
        Objects.requireNonNull(chosen, "chosen");
        Objects.requireNonNull(rejected, "rejected");
        Objects.requireNonNull(provenance, "provenance");
    }
}
