package ai.kaizen.trainer.reward;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.kaizen.model.llama.NativeArrays;
import org.junit.jupiter.api.Test;

/** The one loss of every kind of feedback, checked on numbers worked out by hand. */
class RewardLossesTest {

    // log(1 + e^-2) = 0.126928, log(1 + e^2) = 2.126928, log(1 + e^-1) = 0.313262, log(1 + e^1) = 1.313262

    @Test
    void aPairIsBradleyTerry() {
        assertThat(RewardLosses.of(2, RewardLosses.BETTER, 1)).isCloseTo(0.126928, within(1e-6));
        assertThat(RewardLosses.of(-2, RewardLosses.BETTER, 1)).isCloseTo(2.126928, within(1e-6));
        assertThat(RewardLosses.of(0, RewardLosses.BETTER, 1)).isCloseTo(Math.log(2), within(1e-12));
    }

    @Test
    void aTieIsHalfAWinEachWayAndLeastWhenTheRewardsAreEqual() {
        // -1/2 log sigmoid(2) - 1/2 log sigmoid(-2) = (0.126928 + 2.126928) / 2
        assertThat(RewardLosses.of(2, RewardLosses.TIE, 1)).isCloseTo(1.126928, within(1e-6));
        assertThat(RewardLosses.of(-2, RewardLosses.TIE, 1)).isCloseTo(1.126928, within(1e-6));
        assertThat(RewardLosses.of(0, RewardLosses.TIE, 1)).isCloseTo(Math.log(2), within(1e-12));
        assertThat(RewardLosses.of(0.1, RewardLosses.TIE, 1)).isGreaterThan(Math.log(2));
    }

    @Test
    void thumbsCompareTheRewardWithZeroAndCountThumbsWeightTimes() {
        // thumbs up on r = 1: -log sigmoid(1); thumbs down on r = 1: -log sigmoid(-1), here at weight 0.5
        assertThat(RewardLosses.of(1, RewardLosses.BETTER, 1)).isCloseTo(0.313262, within(1e-6));
        assertThat(RewardLosses.of(1, RewardLosses.WORSE, 0.5)).isCloseTo(0.5 * 1.313262, within(1e-6));
        // a "both are bad" answer is a thumbs down: the lower its reward, the smaller its loss
        assertThat(RewardLosses.of(-3, RewardLosses.WORSE, 1)).isLessThan(RewardLosses.of(3, RewardLosses.WORSE, 1));
    }

    @Test
    void theDifferentiableSumEqualsTheSumOfTheNumbers() {
        double[] d = {2, -2, 0.5, 1, 1, -0.3};
        double[] p = {RewardLosses.BETTER, RewardLosses.BETTER, RewardLosses.TIE, RewardLosses.BETTER,
            RewardLosses.WORSE, RewardLosses.WORSE};
        double[] w = {1, 1, 1, 0.5, 0.5, 2};
        double expected = 0;
        float[] values = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            expected += RewardLosses.of(d[i], p[i], w[i]);
            values[i] = (float) d[i];
        }
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = NativeArrays.copyOf(m, values, new Shape(d.length), DataType.FLOAT32);
            assertThat((double) RewardLosses.sum(x, p, w, m).getFloat()).isCloseTo(expected, within(1e-5));
            // pairs alone: the second term is skipped, the value is the same
            double[] ones = {1, 1, 1, 1, 1, 1};
            double pairs = 0;
            for (double v : d) {
                pairs += RewardLosses.of(v, 1, 1);
            }
            assertThat((double) RewardLosses.sum(x, ones, ones, m).getFloat()).isCloseTo(pairs, within(1e-5));
        }
    }
}
