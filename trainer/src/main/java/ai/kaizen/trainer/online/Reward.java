package ai.kaizen.trainer.online;

import ai.kaizen.trainer.reward.RewardStats;
import java.util.List;

/**
 * Scores finished responses: a reward model, or a programmatic rule. PPO, RLOO and GRPO maximise it (minus the
 * KL penalty). Implementations run on the training thread only.
 */
public interface Reward extends AutoCloseable {

    /**
     * One response to score.
     *
     * @param promptIds the prompt's tokens (chat template applied)
     * @param responseIds the generated tokens, the end-of-sequence token included when there is one
     * @param prompt the prompt's text
     * @param response the response's decoded text (without special tokens)
     */
    record Sample(int[] promptIds, int[] responseIds, String prompt, String response) {}

    /**
     * @param samples the responses of one batch
     * @return one score per sample, in order
     */
    float[] score(List<Sample> samples);

    /**
     * The score distribution the reward was calibrated on ({@code reward_stats.json}), used to
     * normalise scores; {@link RewardStats#IDENTITY} when unknown.
     *
     * @return mean and standard deviation
     */
    default RewardStats stats() {
        return RewardStats.IDENTITY;
    }

    /** Frees what the reward holds (a model); nothing by default. */
    @Override
    default void close() {}
}
