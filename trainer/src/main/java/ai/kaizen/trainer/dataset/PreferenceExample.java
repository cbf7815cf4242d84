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
 * @param margin   how much better chosen is (TRL's optional {@code margin} column, e.g. a difference of stars):
 *                 the reward model's Bradley-Terry loss becomes {@code -logsigmoid(r_chosen - r_rejected - margin)};
 *                 0 when the data gives none
 */
public record PreferenceExample(List<ChatMessage> prompt, String chosen, String rejected, Provenance provenance,
        double margin) implements Example {

    public PreferenceExample {
        prompt = List.copyOf(prompt);
        Objects.requireNonNull(chosen, "chosen");
        Objects.requireNonNull(rejected, "rejected");
        Objects.requireNonNull(provenance, "provenance");
        if (!Double.isFinite(margin)) {
            throw new IllegalArgumentException("\"margin\" must be a finite number");
        }
    }

    /** A pair without a margin. */
    public PreferenceExample(List<ChatMessage> prompt, String chosen, String rejected, Provenance provenance) {
        this(prompt, chosen, rejected, provenance, 0);
    }
}
