package ai.kaizen.trainer.online;

import ai.djl.ndarray.NDArray;
import java.util.List;
import java.util.Map;

/** What RLOO and GRPO each put into a {@link GroupTrainer}: the advantage of every answer, and the loss. */
public interface GroupObjective {

    /**
     * Per-answer advantages and what is logged about them.
     *
     * @param values one advantage per answer, in batch order
     * @param metrics e.g. {@code reward_std}, {@code frac_reward_zero_std}
     */
    record Advantages(float[] values, Map<String, Number> metrics) {}

    /**
     * @param batch a rollout batch laid out as groups of {@code num_generations} consecutive answers to one prompt
     * @return their advantages
     */
    Advantages advantages(List<ScoredResponse> batch);

    /**
     * @param batch a micro-batch
     * @param logprobs (B, T) the policy's log-probabilities of the batch's tokens now, differentiable
     * @return the loss
     */
    SurrogateLoss loss(PolicyBatch batch, NDArray logprobs);
}
