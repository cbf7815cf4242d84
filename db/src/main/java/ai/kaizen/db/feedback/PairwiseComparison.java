package ai.kaizen.db.feedback;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

/**
 * Two answers to the same prompt shown side by side as A and B (in random order), and the user's choice.
 * The answers themselves are messages, with their model versions and sampling settings.
 */
@Entity
@Table(name = "pairwise_comparison")
public class PairwiseComparison {

    /** The user's verdict. */
    public enum Choice {
        A, B, TIE, BOTH_BAD;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Optional<Choice> of(String label) {
            if (label == null) {
                return Optional.empty();
            }
            for (Choice c : values()) {
                if (c.label().equals(label.strip().toLowerCase(Locale.ROOT))) {
                    return Optional.of(c);
                }
            }
            return Optional.empty();
        }
    }

    /**
     * Where the comparison came from: drawn at random on the chat page, shown because the user asked for another
     * answer, or sent by an API client about two of its completions.
     */
    public enum Trigger {
        sampled, regenerate, api
    }

    @Id
    private UUID id;

    @Column(name = "prompt_message_id", nullable = false)
    private UUID promptMessageId;

    @Column(name = "answer_a_id", nullable = false)
    private UUID answerAId;

    @Column(name = "answer_b_id", nullable = false)
    private UUID answerBId;

    @Column(name = "rater", nullable = false, length = 80)
    private String rater;

    @Column(name = "trigger", nullable = false, length = 20)
    @jakarta.persistence.Enumerated(jakarta.persistence.EnumType.STRING)
    private Trigger trigger;

    @Column(name = "choice", length = 10)
    private String choice;

    @Column(name = "created_at", nullable = false)
    private Instant createdAt;

    @Column(name = "decided_at")
    private Instant decidedAt;

    protected PairwiseComparison() {
    }

    public PairwiseComparison(UUID id, UUID promptMessageId, UUID answerAId, UUID answerBId, String rater,
                              Trigger trigger) {
        this.id = id;
        this.promptMessageId = promptMessageId;
        this.answerAId = answerAId;
        this.answerBId = answerBId;
        this.rater = rater;
        this.trigger = trigger;
        this.createdAt = Instant.now();
    }

    public UUID id() {
        return id;
    }

    public UUID promptMessageId() {
        return promptMessageId;
    }

    public UUID answerAId() {
        return answerAId;
    }

    public UUID answerBId() {
        return answerBId;
    }

    public String rater() {
        return rater;
    }

    public Trigger trigger() {
        return trigger;
    }

    public Optional<Choice> choice() {
        return Choice.of(choice);
    }

    public Instant decidedAt() {
        return decidedAt;
    }

    public void decide(Choice verdict) {
        this.choice = verdict.label();
        this.decidedAt = Instant.now();
    }

    /** The answer that continues the conversation: the chosen one, or A for a tie or when both are bad. */
    public UUID continuingAnswer() {
        return choice().filter(c -> c == Choice.B).map(c -> answerBId).orElse(answerAId);
    }
}
