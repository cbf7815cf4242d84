package ai.kaizen.trainer.rloo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.kaizen.model.llama.NativeArrays;
import ai.kaizen.trainer.online.GroupObjective;
import ai.kaizen.trainer.online.PolicyBatch;
import ai.kaizen.trainer.online.ScoredResponse;
import ai.kaizen.trainer.online.SurrogateLoss;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * RLOO's advantages and loss, as TRL's {@code RLOOTrainer} computes them:
 *
 * <pre>
 * r_i = score_i - beta KL_i                 KL_i = sum over the answer's tokens of (old_logp - ref_logp)
 * A_i = r_i - mean_{j != i} r_j             over the k answers to the same prompt (leave one out)
 * A   = (A - mean A) / (std A + 1e-4)       only with normalize_advantages, over the batch
 * ratio_i = exp(sum_t logp - sum_t old_logp)    one ratio per answer
 * loss = mean_i max(-A_i ratio_i, -A_i clip(ratio_i, 1 - epsilon, 1 + epsilon_high))
 * </pre>
 *
 * <p>The leave-one-out baseline is the other answers' mean: an answer's own reward never lowers its own
 * baseline, so the estimate stays unbiased, and with it A_i = k / (k - 1) (r_i - mean r). The KL sits in the
 * reward (at sequence level, as TRL now puts it), so the loss has no KL term.
 */
public final class RlooObjective implements GroupObjective {

    /** TRL's epsilon in the standard deviation's denominator. */
    static final double STD_EPSILON = 1e-4;

    private final RlooConfig config;

    /** @param config the run's options */
    public RlooObjective(RlooConfig config) {
        this.config = config;
    }

    @Override
    public Advantages advantages(List<ScoredResponse> batch) {
        double[] rewards = new double[batch.size()];
        for (int i = 0; i < rewards.length; i++) {
            ScoredResponse a = batch.get(i);
            rewards[i] = a.score() - config.online().beta() * a.kl();
        }
        int k = config.online().numGenerations();
        double[] advantages = leaveOneOut(rewards, k);
        if (config.normalizeAdvantages()) {
            advantages = normalize(advantages);
        }
        Map<String, Number> metrics = new LinkedHashMap<>();
        metrics.put("reward_std", meanGroupStd(rewards, k));
        metrics.put("frac_reward_zero_std", zeroStdShare(rewards, k));
        float[] out = new float[advantages.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) advantages[i];
        }
        return new Advantages(out, metrics);
    }

    /**
     * @param rewards the batch's rewards, groups of {@code k} consecutive answers to one prompt
     * @param k the group size, at least 2
     * @return each answer's reward minus the mean of the other {@code k - 1} rewards of its group
     */
    public static double[] leaveOneOut(double[] rewards, int k) {
        if (k < 2 || rewards.length % k != 0) {
            throw new IllegalArgumentException("groups of k >= 2 answers expected, got " + rewards.length
                    + " rewards for k = " + k);
        }
        double[] out = new double[rewards.length];
        for (int g = 0; g < rewards.length; g += k) {
            double sum = 0;
            for (int i = g; i < g + k; i++) {
                sum += rewards[i];
            }
            for (int i = g; i < g + k; i++) {
                out[i] = rewards[i] - (sum - rewards[i]) / (k - 1);
            }
        }
        return out;
    }

    /**
     * @param values values over a batch
     * @return them whitened: {@code (v - mean) / (std + 1e-4)}, std with Bessel's correction (TRL's)
     */
    public static double[] normalize(double[] values) {
        double mean = 0;
        for (double v : values) {
            mean += v;
        }
        mean /= values.length;
        double std = std(values, 0, values.length, mean);
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (values[i] - mean) / (std + STD_EPSILON);
        }
        return out;
    }

    /** Standard deviation with Bessel's correction of {@code values[from, to)} (0 for one value, as TRL's). */
    static double std(double[] values, int from, int to, double mean) {
        int n = to - from;
        if (n < 2) {
            return 0;
        }
        double squares = 0;
        for (int i = from; i < to; i++) {
            squares += (values[i] - mean) * (values[i] - mean);
        }
        return Math.sqrt(squares / (n - 1));
    }

    private static double meanGroupStd(double[] rewards, int k) {
        double sum = 0;
        for (int g = 0; g < rewards.length; g += k) {
            sum += std(rewards, g, g + k, groupMean(rewards, g, k));
        }
        return sum / (rewards.length / k);
    }

    private static double zeroStdShare(double[] rewards, int k) {
        int zero = 0;
        for (int g = 0; g < rewards.length; g += k) {
            zero += std(rewards, g, g + k, groupMean(rewards, g, k)) < 1e-8 ? 1 : 0;
        }
        return (double) zero / (rewards.length / k);
    }

    private static double groupMean(double[] values, int from, int k) {
        double s = 0;
        for (int i = from; i < from + k; i++) {
            s += values[i];
        }
        return s / k;
    }

    @Override
    public SurrogateLoss loss(PolicyBatch batch, NDArray logprobs) {
        NDManager m = logprobs.getManager();
        NDArray mask = batch.mask();
        NDArray diff = logprobs.sub(batch.oldLogprobs()).mul(mask); // 0 off the answer: no overflow in exp
        NDArray ratio = diff.sum(new int[] {1}, true).exp(); // (B, 1): one ratio per answer
        NDArray a = batch.advantages();
        NDArray unclipped = a.neg().mul(ratio);
        NDArray clipped = a.neg().mul(ratio.clip(1 - config.online().epsilon(), 1 + config.online().upperEpsilon()));
        NDArray perAnswer = unclipped.maximum(clipped);
        // mean over the micro-batch's answers, and a 1/accumulation share of the optimizer step
        NDArray loss = perAnswer.sum().mul(NativeArrays.scalar(m, 1.0 / (batch.rows() * batch.accumulation()),
                DataType.FLOAT32));
        double clipFraction = clipped.gt(unclipped).toType(DataType.FLOAT32, false).mean().getFloat();
        NDArray tokens = mask.sum();
        double approxKl = diff.square().sum().div(tokens).getFloat() * 0.5;
        double meanRatio = ratio.mean().getFloat();
        return new SurrogateLoss(loss, clipFraction, approxKl, meanRatio, Double.NaN);
    }
}
