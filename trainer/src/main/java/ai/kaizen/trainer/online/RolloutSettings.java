package ai.kaizen.trainer.online;

/**
 * How responses are sampled and scored, the options PPO, RLOO and GRPO share.
 *
 * @param maxCompletionLength most tokens per response (PPO's {@code response_length}, TRL GRPO's and RLOO's
 *     {@code max_completion_length})
 * @param maxPromptLength prompts longer than this keep their last tokens
 * @param temperature sampling temperature (log-probabilities use the same)
 * @param batchSize sequences per generation and scoring forward pass
 * @param useScoreScaling normalise scores with the reward's {@link ai.kaizen.trainer.reward.RewardStats}
 * @param scoreClip clip normalised scores to +-this (0: no clipping)
 * @param missingEosPenalty subtracted from the score of responses that end without EOS (0: none)
 */
public record RolloutSettings(int maxCompletionLength, int maxPromptLength, double temperature, int batchSize,
        boolean useScoreScaling, double scoreClip, double missingEosPenalty) {

    /** Validates. */
    public RolloutSettings {
        if (maxCompletionLength <= 0 || maxPromptLength <= 0 || batchSize <= 0) {
            throw new IllegalArgumentException("completion length, prompt length and batch size must be positive");
        }
        if (!(temperature > 0)) {
            throw new IllegalArgumentException("temperature must be positive");
        }
        if (!(scoreClip >= 0 && missingEosPenalty >= 0)) {
            throw new IllegalArgumentException("score_clip and missing_eos_penalty must be >= 0");
        }
    }

    /**
     * The score a response is trained on: normalised by the reward's calibration, clipped (reward hacking
     * feeds on outliers), minus the penalty for a response that never ended (unbounded rambling is the
     * classic hack).
     *
     * @param normalized the raw score after the reward's normalisation (or the raw score without it)
     * @param endedWithEos whether the response ended with EOS
     * @return the score trained on
     */
    public double shape(double normalized, boolean endedWithEos) {
        double score = normalized;
        if (scoreClip > 0) {
            score = Math.max(-scoreClip, Math.min(scoreClip, score));
        }
        if (!endedWithEos) {
            score -= missingEosPenalty;
        }
        return score;
    }
}
