package ai.kaizen.trainer.reward;

import ai.kaizen.trainer.dataset.MismatchedPairs;
import ai.kaizen.trainer.dataset.PreferenceExample;

/**
 * The kinds of feedback a reward model learns from, each reported on its own ({@code eval_accuracy/choices}, ...),
 * so that the operator and the evaluation gate see which signal it learnt. A pair's kind is its provenance's.
 */
public enum RewardSignal {
    /** Users' A/B choices ({@code pairwise}). */
    CHOICES("choices"),
    /** Reviewers' rankings ({@code ranking}). */
    RANKINGS("rankings"),
    /** Two answers whose stars differ ({@code stars}). */
    STARS("stars"),
    /** Pairs from elsewhere (imported files, the Bitext export). */
    PAIRS("pairs"),
    /** Two answers judged equal. */
    TIES("ties"),
    /** An approved answer over an approved answer to a request of another kind ({@link MismatchedPairs}). */
    MISMATCHED("mismatched"),
    /** Single answers labelled good or bad: thumbs, and "both are bad" verdicts as thumbs down. */
    THUMBS("thumbs");

    private final String label;

    RewardSignal(String label) {
        this.label = label;
    }

    /** Its name in metrics: {@code eval_accuracy/<label>}. */
    public String label() {
        return label;
    }

    /** Whether it is the users' or reviewers' verdict that one answer to a request beats another. */
    public boolean isFeedbackPair() {
        return this == CHOICES || this == RANKINGS || this == STARS || this == PAIRS;
    }

    /** The kind of a preference example. */
    public static RewardSignal of(PreferenceExample pair) {
        if (pair.tie()) {
            return TIES;
        }
        return switch (pair.provenance().kind()) {
            case "pairwise" -> CHOICES;
            case "ranking" -> RANKINGS;
            case "stars" -> STARS;
            case MismatchedPairs.KIND -> MISMATCHED;
            default -> PAIRS;
        };
    }
}
