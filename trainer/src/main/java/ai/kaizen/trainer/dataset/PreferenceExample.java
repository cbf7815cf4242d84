package ai.kaizen.trainer.dataset;

import ai.kaizen.model.tokenizer.ChatMessage;

import java.util.List;
import java.util.Objects;

/**
 * Two answers to the same prompt, one preferred, or, for a tie, judged equally good.
 *
 * @param prompt   the conversation before the answers
 * @param chosen   the better answer (the assistant's text); for a tie, one of the two
 * @param rejected the worse answer; for a tie, the other
 * @param margin   how much better chosen is (TRL's optional {@code margin} column, e.g. a difference of stars):
 *                 the reward model's Bradley-Terry loss becomes {@code -logsigmoid(r_chosen - r_rejected - margin)};
 *                 0 when the data gives none, and always for a tie
 * @param tie      whether the two answers were judged equal (a user's "Tie", reviewers' equal ranks): no direction,
 *                 so DPO and accuracy figures leave it out and the reward model learns to score both alike (Kaizen's
 *                 own {@code "tie": true} column; TRL has none)
 */
public record PreferenceExample(List<ChatMessage> prompt, String chosen, String rejected, Provenance provenance,
        double margin, boolean tie) implements Example {

    public PreferenceExample {
        prompt = List.copyOf(prompt);
        Objects.requireNonNull(chosen, "chosen");
        Objects.requireNonNull(rejected, "rejected");
        Objects.requireNonNull(provenance, "provenance");
        if (!Double.isFinite(margin)) {
            throw new IllegalArgumentException("\"margin\" must be a finite number");
        }
        if (tie && margin != 0) {
            throw new IllegalArgumentException("a tie has no \"margin\"");
        }
    }

    /** A pair, not a tie. */
    public PreferenceExample(List<ChatMessage> prompt, String chosen, String rejected, Provenance provenance,
            double margin) {
        this(prompt, chosen, rejected, provenance, margin, false);
    }

    /** A pair without a margin. */
    public PreferenceExample(List<ChatMessage> prompt, String chosen, String rejected, Provenance provenance) {
        this(prompt, chosen, rejected, provenance, 0);
    }

    /** Two answers judged equally good. */
    public static PreferenceExample tie(List<ChatMessage> prompt, String first, String second,
            Provenance provenance) {
        return new PreferenceExample(prompt, first, second, provenance, 0, true);
    }
}
