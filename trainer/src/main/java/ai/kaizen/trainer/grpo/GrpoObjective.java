package ai.kaizen.trainer.grpo;

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
 * GRPO's advantages and loss, as TRL's {@code GRPOTrainer} computes them:
 *
 * <pre>
 * A_i = (r_i - mean(r)) / (std(r) + 1e-4)     r over the answer's group; std with Bessel's correction (TRL's);
 *                                             scale_rewards "batch": the batch's std; "none": no division
 * ratio_t = exp(logp_t - old_logp_t)          per token
 * l_t = max(-A ratio_t, -A clip(ratio_t, 1 - epsilon, 1 + epsilon_high)) + beta k3_t
 * k3_t = exp(ref_logp_t - logp_t) - (ref_logp_t - logp_t) - 1
 * loss: grpo     mean over answers of (sum_t l_t / |answer|)
 *       bnpo     sum_t l_t / tokens of the micro-batch
 *       dr_grpo  sum_t l_t / (answers x max_completion_length)
 *       dapo     sum_t l_t / tokens of the whole optimizer step
 * </pre>
 *
 * <p>Unlike RLOO, the KL sits in the loss (k3 per token: never negative, and its gradient pulls towards the
 * reference), and every answer in a group shares the group's baseline. The per-answer mean of {@code grpo} weighs
 * a short answer's tokens more than a long one's: a correct short answer is pushed up harder and a wrong long one
 * punished less, the length bias Dr. GRPO and DAPO remove by dividing by a count that does not depend on the
 * answer.
 */
public final class GrpoObjective implements GroupObjective {

    /** TRL's epsilon in the standard deviation's denominator. */
    static final double STD_EPSILON = 1e-4;

    private final GrpoConfig config;

    /** @param config the run's options */
    public GrpoObjective(GrpoConfig config) {
        this.config = config;
    }

    @Override
    public Advantages advantages(List<ScoredResponse> batch) {
        double[] rewards = new double[batch.size()];
        for (int i = 0; i < rewards.length; i++) {
            rewards[i] = batch.get(i).score();
        }
        int k = config.online().numGenerations();
        double[] advantages = advantages(rewards, k, config.scaleRewards());
        Map<String, Number> metrics = new LinkedHashMap<>();
        double stdSum = 0;
        int zero = 0;
        for (int g = 0; g < rewards.length; g += k) {
            double std = std(rewards, g, g + k);
            stdSum += std;
            zero += std < 1e-8 ? 1 : 0;
        }
        metrics.put("reward_std", stdSum / (rewards.length / k));
        metrics.put("frac_reward_zero_std", (double) zero / (rewards.length / k)); // groups that teach nothing
        float[] out = new float[advantages.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) advantages[i];
        }
        return new Advantages(out, metrics);
    }

    /**
     * @param rewards the batch's rewards, groups of {@code k} consecutive answers to one prompt
     * @param k the group size, at least 2
     * @param scale what to divide by
     * @return each answer's advantage
     */
    public static double[] advantages(double[] rewards, int k, GrpoConfig.ScaleRewards scale) {
        if (k < 2 || rewards.length % k != 0) {
            throw new IllegalArgumentException("groups of k >= 2 answers expected, got " + rewards.length
                    + " rewards for k = " + k);
        }
        double batchStd = std(rewards, 0, rewards.length);
        double[] out = new double[rewards.length];
        for (int g = 0; g < rewards.length; g += k) {
            double mean = mean(rewards, g, g + k);
            double divisor = switch (scale) {
                case GROUP -> std(rewards, g, g + k) + STD_EPSILON;
                case BATCH -> batchStd + STD_EPSILON;
                case NONE -> 1;
            };
            for (int i = g; i < g + k; i++) {
                out[i] = (rewards[i] - mean) / divisor;
            }
        }
        return out;
    }

    private static double mean(double[] values, int from, int to) {
        double s = 0;
        for (int i = from; i < to; i++) {
            s += values[i];
        }
        return s / (to - from);
    }

    /** Standard deviation with Bessel's correction of {@code values[from, to)}, as TRL's {@code nanstd}. */
    static double std(double[] values, int from, int to) {
        int n = to - from;
        if (n < 2) {
            return 0;
        }
        double mean = mean(values, from, to);
        double squares = 0;
        for (int i = from; i < to; i++) {
            squares += (values[i] - mean) * (values[i] - mean);
        }
        return Math.sqrt(squares / (n - 1));
    }

    @Override
    public SurrogateLoss loss(PolicyBatch batch, NDArray logprobs) {
        NDManager m = logprobs.getManager();
        NDArray mask = batch.mask();
        NDArray diff = logprobs.sub(batch.oldLogprobs()).mul(mask); // 0 off the answer: exp stays finite
        NDArray ratio = diff.exp();
        NDArray a = batch.advantages(); // (B, 1), broadcast over tokens
        NDArray unclipped = a.neg().mul(ratio);
        NDArray clipped = a.neg().mul(ratio.clip(1 - config.online().epsilon(), 1 + config.online().upperEpsilon()));
        NDArray perToken = unclipped.maximum(clipped);
        double beta = config.online().beta();
        NDArray tokens = mask.sum();
        double klToReference = Double.NaN;
        if (beta > 0) {
            NDArray toRef = batch.refLogprobs().sub(logprobs).mul(mask); // masked first: exp(huge) off the answer
            NDArray k3 = toRef.exp().sub(toRef).sub(NativeArrays.scalar(m, 1, DataType.FLOAT32));
            perToken = perToken.add(k3.mul(NativeArrays.scalar(m, beta, DataType.FLOAT32)));
            klToReference = k3.mul(mask).sum().div(tokens).getFloat();
        }
        NDArray loss = aggregate(perToken.mul(mask), mask, batch, m);
        double clipFraction = clipped.gt(unclipped).toType(DataType.FLOAT32, false).mul(mask).sum().div(tokens)
                .getFloat();
        double approxKl = diff.square().sum().div(tokens).getFloat() * 0.5;
        double meanRatio = ratio.mul(mask).sum().div(tokens).getFloat();
        return new SurrogateLoss(loss, clipFraction, approxKl, meanRatio, klToReference);
    }

    /**
     * The masked per-token losses as the micro-batch's share of the optimizer step's loss, by {@code loss_type}.
     *
     * @param masked (B, T) per-token losses, 0 off the answers
     * @param mask (B, T) 1 on answer tokens
     * @param batch the micro-batch (rows, accumulation, the step's token count)
     * @param m where constants are made
     * @return the scalar loss
     */
    NDArray aggregate(NDArray masked, NDArray mask, PolicyBatch batch, NDManager m) {
        NDArray one = NativeArrays.scalar(m, 1, DataType.FLOAT32);
        double perStep = 1.0 / batch.accumulation(); // a micro-batch is 1/accumulation of the step
        return switch (config.lossType()) {
            case GRPO -> masked.sum(new int[] {1}).div(mask.sum(new int[] {1}).maximum(one)).sum()
                    .mul(NativeArrays.scalar(m, perStep / batch.rows(), DataType.FLOAT32));
            case BNPO -> masked.sum().div(mask.sum().maximum(one))
                    .mul(NativeArrays.scalar(m, perStep, DataType.FLOAT32));
            case DR_GRPO -> masked.sum().mul(NativeArrays.scalar(m,
                    perStep / ((double) batch.rows() * config.online().maxCompletionLength()), DataType.FLOAT32));
            case DAPO -> masked.sum().mul(NativeArrays.scalar(m, 1.0 / Math.max(1, batch.stepTokens()),
                    DataType.FLOAT32));
        };
    }
}
