package ai.kaizen.trainer.reward;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.kaizen.model.llama.NativeArrays;
import ai.kaizen.trainer.pairwise.PairLosses;

/**
 * The reward model's loss for every kind of feedback, one formula: a weight times the binary cross-entropy between
 * {@code sigmoid(d)} and a target probability {@code p} that the first answer is the better one, where
 * {@code d = r_first - r_second - margin}:
 *
 * <pre>loss = -w (p log sigmoid(d) + (1 - p) log sigmoid(-d))</pre>
 *
 * <ul>
 *   <li>a pair (a choice, a ranking, stars, a mismatched pair): {@code p = 1}, {@code w = 1}: the Bradley-Terry
 *   loss {@code -log sigmoid(r_chosen - r_rejected - margin)}, TRL's;</li>
 *   <li>a tie: {@code p = 1/2}: {@code -1/2 log sigmoid(d) - 1/2 log sigmoid(-d)}, the Bradley-Terry convention for
 *   ties (half a win each way, as Kaizen's online comparison counts a tie); it is least, {@code log 2}, at
 *   {@code d = 0}, so it pulls the two rewards together without saying which is better;</li>
 *   <li>a thumbs example: the answer against a fixed reference reward {@code c = 0} ({@code r_second = 0}),
 *   {@code p = 1} for thumbs up and 0 for down, {@code w = thumbs_weight}: {@code -w log sigmoid(y r)} with
 *   {@code y = +1 or -1}. "Both are bad" answers are thumbs down.</li>
 * </ul>
 *
 * <p>Why a fixed {@code c = 0} rather than a learned offset or a running mean: pairs and ties only see differences
 * of rewards, so the thumbs alone set the rewards' level, and 0 makes it readable (a positive reward is an answer
 * users would approve) and agrees with {@code center_rewards_coefficient}, which also pulls rewards towards 0. The
 * head has no bias, but the backbone's last hidden state has a component common to all answers that the head reads
 * as one; a learned {@code c} or a running mean would be one more piece of state to checkpoint for an exact
 * resume, and a running mean would move the target while the model learns.
 */
public final class RewardLosses {

    /** Target probability of a decided pair and of a thumbs up. */
    public static final double BETTER = 1;
    /** Target probability of a tie. */
    public static final double TIE = 0.5;
    /** Target probability of a thumbs down. */
    public static final double WORSE = 0;

    private RewardLosses() {
    }

    /**
     * @param d      {@code r_first - r_second - margin} ({@code r_second = 0} for thumbs)
     * @param p      the target probability that the first answer is better
     * @param weight the example's weight
     * @return {@code -weight (p log sigmoid(d) + (1 - p) log sigmoid(-d))}
     */
    public static double of(double d, double p, double weight) {
        double loss = 0;
        if (p != 0) {
            loss -= p * PairLosses.logSigmoid(d);
        }
        if (p != 1) {
            loss -= (1 - p) * PairLosses.logSigmoid(-d);
        }
        return weight * loss;
    }

    /**
     * The summed loss of a batch, differentiable.
     *
     * @param d       (N) float32 differences {@code r_first - r_second - margin}
     * @param p       the target probabilities, one per difference
     * @param weights the weights, one per difference
     * @param manager owner of the arrays made here
     * @return the scalar sum of {@link #of} over the batch
     */
    public static NDArray sum(NDArray d, double[] p, double[] weights, NDManager manager) {
        int n = p.length;
        float[] towardsFirst = new float[n];
        float[] towardsSecond = new float[n];
        boolean twoWays = false;
        for (int i = 0; i < n; i++) {
            towardsFirst[i] = (float) (weights[i] * p[i]);
            towardsSecond[i] = (float) (weights[i] * (1 - p[i]));
            twoWays |= towardsSecond[i] != 0;
        }
        NDArray logLikelihood = PairLosses.logSigmoid(d)
                .mul(NativeArrays.copyOf(manager, towardsFirst, new Shape(n), DataType.FLOAT32));
        if (twoWays) { // only ties and thumbs down need the second term: pairs alone skip it
            logLikelihood = logLikelihood.add(PairLosses.logSigmoid(d.neg())
                    .mul(NativeArrays.copyOf(manager, towardsSecond, new Shape(n), DataType.FLOAT32)));
        }
        return logLikelihood.sum().neg();
    }
}
