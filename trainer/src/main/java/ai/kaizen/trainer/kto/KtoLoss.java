package ai.kaizen.trainer.kto;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.kaizen.model.llama.NativeArrays;

/**
 * TRL's {@code kto_loss} on one batch, from answer log-probabilities (sums over the answer's tokens)
 * under the policy and the frozen reference.
 *
 * <p>With {@code r = log pi(y|x) - log ref(y|x)} and the KL reference point {@code z0}, a desirable
 * answer costs {@code lambda_D (1 - sigmoid(beta (r - z0)))} and an undesirable one
 * {@code lambda_U (1 - sigmoid(beta (z0 - r)))}: the policy gains by raising desirable answers above
 * the reference point and pushing undesirable ones below it. {@code z0} estimates the policy's KL
 * from the reference on answers that do not belong to their prompt ({@link #referencePoint}); it
 * is a number, not part of the graph, so no gradient flows through it (TRL detaches it): without
 * that, the policy could lower the loss of every desirable answer by lowering {@code z0}, that is
 * by moving the mismatched answers' probabilities instead of learning from the labels.
 */
final class KtoLoss {

    private KtoLoss() {}

    /**
     * The KL reference point: {@code max(0, mean(log pi(y'|x) - log ref(y'|x)))} over mismatched
     * pairs, computed from numbers (detached). The mean can be negative on a batch, while a KL
     * cannot: TRL clamps it at 0.
     *
     * @param policy the policy's log-probabilities of the mismatched answers
     * @param reference the reference's, in the same order
     * @return {@code z0}, at least 0; 0 when there is no mismatched pair
     */
    static double referencePoint(float[] policy, float[] reference) {
        if (policy.length != reference.length) {
            throw new IllegalArgumentException("policy and reference log-probabilities differ in number");
        }
        if (policy.length == 0) {
            return 0;
        }
        double sum = 0;
        for (int i = 0; i < policy.length; i++) {
            sum += policy[i] - reference[i];
        }
        return Math.max(0, sum / policy.length);
    }

    /**
     * Each answer's weighted loss, differentiable in the policy's log-probabilities: {@code
     * w sigmoid(c (r - z0))} with {@code c = -beta} for a desirable answer and {@code +beta} for an
     * undesirable one ({@code 1 - sigmoid(x) = sigmoid(-x)}).
     *
     * @param policy (B) the policy's log-probabilities of the answers, float32
     * @param reference the reference's
     * @param desirable each answer's label
     * @param z0 the reference point (0 for {@code apo_zero_unpaired})
     * @param config beta and the weights
     * @return (B) the losses, on the policy's manager
     */
    static NDArray losses(NDArray policy, float[] reference, boolean[] desirable, double z0, KtoConfig config) {
        int b = reference.length;
        NDManager m = policy.getManager();
        float[] slope = new float[b];
        float[] weight = new float[b];
        for (int i = 0; i < b; i++) {
            slope[i] = (float) (desirable[i] ? -config.beta() : config.beta());
            weight[i] = (float) config.weight(desirable[i]);
        }
        // Java-backed arrays in the graph may be freed before backward: native copies only (see NativeArrays)
        NDArray logratio = policy.sub(NativeArrays.copyOf(m, reference, new Shape(b), DataType.FLOAT32));
        NDArray shifted = logratio.sub(NativeArrays.scalar(m, z0, DataType.FLOAT32));
        return Activation.sigmoid(shifted.mul(NativeArrays.copyOf(m, slope, new Shape(b), DataType.FLOAT32)))
                .mul(NativeArrays.copyOf(m, weight, new Shape(b), DataType.FLOAT32));
    }

    /**
     * One answer's weighted loss as a number (for the metrics).
     *
     * @param logratio {@code log pi(y|x) - log ref(y|x)}
     * @param desirable the label
     * @param z0 the reference point
     * @param config beta and the weights
     * @return the loss
     */
    static double loss(double logratio, boolean desirable, double z0, KtoConfig config) {
        double x = config.beta() * (desirable ? logratio - z0 : z0 - logratio);
        return config.weight(desirable) * (1 - 1 / (1 + Math.exp(-x)));
    }
}
