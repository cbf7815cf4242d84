package ai.kaizen.trainer.ppo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.kaizen.model.llama.NativeArrays;

/**
 * PPO's clipped surrogate objectives (Schulman et al. 2017, eq. 7) for the policy and the value
 * head, averaged over response tokens ({@code mask} 1) as TRL's {@code PPOTrainer} does:
 *
 * <pre>
 * ratio    = exp(logp - old_logp)
 * policy   = mean(max(-A ratio, -A clip(ratio, 1 - eps, 1 + eps)))
 * v_clip   = old_v + clip(v - old_v, -eps_v, eps_v)
 * value    = 0.5 mean(max((v - R)^2, (v_clip - R)^2))
 * </pre>
 *
 * <p>Every scalar entering the graph is a native array (see {@link NativeArrays}).
 */
public final class ClippedLosses {

    private ClippedLosses() {}

    /**
     * The policy term and what TRL logs about it.
     *
     * @param loss scalar, differentiable
     * @param clipFraction share of tokens where the clipped branch was taken ({@code policy/clipfrac})
     * @param approxKl {@code 0.5 mean((logp - old_logp)^2)} ({@code policy/approxkl})
     * @param meanRatio mean of {@code exp(logp - old_logp)} ({@code val/ratio})
     * @param maxRatio largest ratio of any token (for the guard rail)
     */
    public record Policy(NDArray loss, double clipFraction, double approxKl, double meanRatio, double maxRatio) {}

    /**
     * The value term.
     *
     * @param loss scalar, differentiable
     * @param clipFraction share of tokens where the clipped error was larger ({@code val/clipfrac})
     */
    public record Value(NDArray loss, double clipFraction) {}

    /**
     * @param logprobs (B, T) new log-probabilities, differentiable
     * @param oldLogprobs (B, T) log-probabilities at sampling time
     * @param advantages (B, T)
     * @param mask (B, T) 1 on response tokens, 0 elsewhere (float)
     * @param cliprange epsilon
     * @return the loss and its statistics
     */
    public static Policy policy(NDArray logprobs, NDArray oldLogprobs, NDArray advantages, NDArray mask,
            double cliprange) {
        NDArray count = mask.sum();
        NDArray diff = logprobs.sub(oldLogprobs).mul(mask);
        NDArray ratio = diff.exp();
        NDArray unclipped = advantages.neg().mul(ratio);
        NDArray clipped = advantages.neg().mul(ratio.clip(1 - cliprange, 1 + cliprange));
        NDArray loss = unclipped.maximum(clipped).mul(mask).sum().div(count);
        double clipFraction = clipped.gt(unclipped).toType(DataType.FLOAT32, false).mul(mask).sum().div(count)
                .getFloat();
        double approxKl = diff.square().sum().div(count).getFloat() * 0.5;
        double meanRatio = ratio.mul(mask).sum().div(count).getFloat();
        double maxRatio = ratio.mul(mask).max().getFloat();
        return new Policy(loss, clipFraction, approxKl, meanRatio, maxRatio);
    }

    /**
     * @param values (B, T) new value predictions, differentiable
     * @param oldValues (B, T) predictions at rollout time
     * @param returns (B, T) targets
     * @param mask (B, T) 1 on response tokens
     * @param cliprangeValue epsilon for the value
     * @return the loss and its clip fraction
     */
    public static Value value(NDArray values, NDArray oldValues, NDArray returns, NDArray mask,
            double cliprangeValue) {
        NDArray count = mask.sum();
        NDArray clippedValues = values.sub(oldValues).clip(-cliprangeValue, cliprangeValue).add(oldValues);
        NDArray plain = values.sub(returns).square();
        NDArray clipped = clippedValues.sub(returns).square();
        NDArray half = NativeArrays.scalar(values.getManager(), 0.5, DataType.FLOAT32);
        NDArray loss = plain.maximum(clipped).mul(mask).sum().div(count).mul(half);
        double clipFraction = clipped.gt(plain).toType(DataType.FLOAT32, false).mul(mask).sum().div(count)
                .getFloat();
        return new Value(loss, clipFraction);
    }
}
