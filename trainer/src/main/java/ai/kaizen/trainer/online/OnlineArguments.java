package ai.kaizen.trainer.online;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

/**
 * The options TRL's {@code GRPOConfig} and {@code RLOOConfig} share beyond transformers'
 * {@code TrainingArguments} ({@link ai.kaizen.trainer.training.TrainingArguments} holds those), under TRL's
 * names, plus Kaizen's guard rails and evaluation options, which PPO has too. RLOO's and GRPO's
 * configurations each hold one of these with their own defaults.
 *
 * @param numGenerations answers sampled per prompt ({@code num_generations}, the group size k)
 * @param maxCompletionLength most tokens per answer ({@code max_completion_length})
 * @param maxPromptLength prompts longer than this keep their last tokens ({@code max_prompt_length}; Kaizen's:
 *     TRL no longer cuts prompts, a 256-token starter model must)
 * @param temperature sampling temperature; log-probabilities use the same
 * @param beta KL coefficient: in the reward (RLOO) or in the loss (GRPO)
 * @param numIterations optimizer updates per rollout batch ({@code num_iterations}, the paper's mu)
 * @param epsilon the clipped surrogate's lower (and, without {@code epsilon_high}, upper) bound
 * @param epsilonHigh the upper bound ({@code epsilon_high}; DAPO's clip-higher), NaN for {@code epsilon}
 * @param useScoreScaling normalise scores with the reward model's {@code reward_stats.json} (Kaizen, as PPO)
 * @param scoreClip clip normalised scores to +-this (0: no clipping)
 * @param missingEosPenalty subtracted from the score of answers that end without EOS (0: none)
 * @param klLimit guard rail: stop when the mean KL per answer (k3) passes this (0: never)
 * @param ratioLimit guard rail: stop the update when a micro-batch's mean ratio passes this (0: never)
 * @param evalGreedy evaluation answers greedily
 * @param metricForBestModel {@code eval/scores}, {@code eval/win_rate} or {@code eval/judge_score} (with a judge)
 * @param rewardContrast take this share of the answer's reward under another prompt off its reward (Kaizen's
 *     {@code reward_contrast}, 0: off; see {@link ContrastiveReward})
 */
public record OnlineArguments(int numGenerations, int maxCompletionLength, int maxPromptLength, double temperature,
        double beta, int numIterations, double epsilon, double epsilonHigh, boolean useScoreScaling,
        double scoreClip, double missingEosPenalty, double klLimit, double ratioLimit, boolean evalGreedy,
        String metricForBestModel, double rewardContrast) {

    /** Validates. */
    public OnlineArguments {
        require(numGenerations >= 2, "num_generations must be >= 2 (a group needs a second answer to compare with)");
        require(maxCompletionLength > 0 && maxPromptLength > 0,
                "max_completion_length and max_prompt_length must be positive");
        require(temperature > 0, "temperature must be positive");
        require(beta >= 0, "beta must be >= 0");
        require(numIterations > 0, "num_iterations must be positive");
        require(epsilon > 0 && (Double.isNaN(epsilonHigh) || epsilonHigh > 0),
                "epsilon and epsilon_high must be positive");
        require(scoreClip >= 0 && missingEosPenalty >= 0, "score_clip and missing_eos_penalty must be >= 0");
        new GuardRails(klLimit, ratioLimit); // validates the limits
        TrainingEvaluation.checkMetric(metricForBestModel);
        require(rewardContrast >= 0 && rewardContrast <= 1, "reward_contrast must be in [0, 1]");
    }

    /**
     * @param reward the reward model's reward (owned by the result)
     * @param seed the run's seed
     * @return that reward, contrasted with other prompts when {@code reward_contrast} is on
     */
    public Reward reward(Reward reward, long seed) {
        return rewardContrast == 0 ? reward : new ContrastiveReward(reward, rewardContrast, seed);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /** @return the clip range's upper bound: {@code epsilon_high}, or {@code epsilon} when it is unset */
    public double upperEpsilon() {
        return Double.isNaN(epsilonHigh) ? epsilon : epsilonHigh;
    }

    /** @return the guard rails */
    public GuardRails guardRails() {
        return new GuardRails(klLimit, ratioLimit);
    }

    /**
     * @param batchSize sequences per generation and scoring pass
     * @return how rollouts are sampled and scored
     */
    public RolloutSettings rollouts(int batchSize) {
        return new RolloutSettings(maxCompletionLength, maxPromptLength, temperature, batchSize, useScoreScaling,
                scoreClip, missingEosPenalty);
    }

    /**
     * Writes every option under its TRL name ({@code epsilon_high} null when unset, as TRL's None).
     *
     * @param o the object to add to
     */
    public void addTo(JsonObject o) {
        o.addProperty("num_generations", numGenerations);
        o.addProperty("max_completion_length", maxCompletionLength);
        o.addProperty("max_prompt_length", maxPromptLength);
        o.addProperty("temperature", temperature);
        o.addProperty("beta", beta);
        o.addProperty("num_iterations", numIterations);
        o.addProperty("epsilon", epsilon);
        o.addProperty("epsilon_high", Double.isNaN(epsilonHigh) ? null : epsilonHigh);
        o.addProperty("use_score_scaling", useScoreScaling);
        o.addProperty("score_clip", scoreClip);
        o.addProperty("missing_eos_penalty", missingEosPenalty);
        o.addProperty("kl_limit", klLimit);
        o.addProperty("ratio_limit", ratioLimit);
        o.addProperty("eval_greedy", evalGreedy);
        o.addProperty("metric_for_best_model", metricForBestModel);
        o.addProperty("reward_contrast", rewardContrast);
    }

    /**
     * @param o an object holding every key {@link #addTo} writes
     * @return the options
     */
    public static OnlineArguments from(JsonObject o) {
        JsonElement high = o.get("epsilon_high");
        return new OnlineArguments(o.get("num_generations").getAsInt(), o.get("max_completion_length").getAsInt(),
                o.get("max_prompt_length").getAsInt(), o.get("temperature").getAsDouble(),
                o.get("beta").getAsDouble(), o.get("num_iterations").getAsInt(), o.get("epsilon").getAsDouble(),
                high == null || high.isJsonNull() ? Double.NaN : high.getAsDouble(),
                o.get("use_score_scaling").getAsBoolean(), o.get("score_clip").getAsDouble(),
                o.get("missing_eos_penalty").getAsDouble(), o.get("kl_limit").getAsDouble(),
                o.get("ratio_limit").getAsDouble(), o.get("eval_greedy").getAsBoolean(),
                o.get("metric_for_best_model").getAsString(), o.get("reward_contrast").getAsDouble());
    }
}
