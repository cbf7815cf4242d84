package ai.kaizen.trainer.reward;

import ai.kaizen.trainer.training.TokenizedExample;

/**
 * One piece of feedback as the reward model trains on it: one or two tokenised conversations (prompt plus answer)
 * and what the feedback asks of their rewards ({@link RewardLosses}).
 *
 * @param first  the chosen answer of a pair, one of a tie's two, or the thumbs example's answer
 * @param second the rejected answer, the tie's other answer, or null for thumbs (compared with the reference reward 0)
 * @param margin how much better the first should score (pairs with a {@code margin}; else 0)
 * @param signal the kind of feedback
 * @param target the target probability that the first answer is the better: 1 for a pair and a thumbs up, 1/2 for
 *               a tie, 0 for a thumbs down
 * @param weight the loss's weight ({@code thumbs_weight} for thumbs, else 1)
 */
public record TokenizedFeedback(TokenizedExample first, TokenizedExample second, double margin, RewardSignal signal,
        double target, double weight) {

    /** @return whether it has a second answer (every kind but thumbs) */
    public boolean twoAnswers() {
        return second != null;
    }

    /** @return real tokens of its conversations */
    public int tokens() {
        return first.length() + (second == null ? 0 : second.length());
    }
}
