package ai.kaizen.trainer.online;

import java.util.List;

/**
 * What differs between PPO, RLOO and GRPO inside the shared {@link OnlineTrainingLoop}: how one
 * iteration turns prompts into an update, and the KL coefficient it keeps.
 */
public interface OnlineAlgorithm {

    /**
     * Samples responses for the prompts, scores them, checks the KL guard rail, and updates the policy.
     * Sets PyTorch's threads as it needs (the loop restores them when the run ends).
     *
     * @param prompts this iteration's prompts, each once (the algorithm samples as many answers per prompt as
     *     it wants)
     * @param step iterations done before this one (seeds the sampling and the shuffles)
     * @return what happened
     */
    Iteration iterate(List<int[]> prompts, long step);

    /** @return the KL coefficient now (saved in checkpoints, logged, used for {@code eval/rlhf_reward}) */
    double klCoef();

    /** @param klCoef the coefficient a checkpoint holds (PPO's adaptive controller continues from it) */
    void resumeKlCoef(double klCoef);
}
