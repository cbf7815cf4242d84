package ai.kaizen.trainer.ppo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

/** GAE, whitening, the KL controller and the clipped losses against values computed by hand. */
class PpoMathTest {

    @Test
    void gaeMatchesTheRecursionByHand() {
        // gamma 1, lam 0.5: delta_2 = 1 - 1.5 = -0.5; delta_1 = 1.5 - 1 = 0.5; delta_0 = 1 - 0.5 = 0.5
        // A_2 = -0.5, A_1 = 0.5 + 0.5 * -0.5 = 0.25, A_0 = 0.5 + 0.5 * 0.25 = 0.625
        Gae.Result r = Gae.compute(new float[] {0, 0, 1}, new float[] {0.5f, 1.0f, 1.5f}, 1.0, 0.5);
        assertThat(r.advantages()).containsExactly(new float[] {0.625f, 0.25f, -0.5f}, within(1e-6f));
        assertThat(r.returns()).containsExactly(new float[] {1.125f, 1.25f, 1.0f}, within(1e-6f));
    }

    @Test
    void gaeWithLambdaOneIsTheDiscountedReturnMinusTheValue() {
        // gamma 0.9: G_2 = 2, G_1 = 0 + 0.9 * 2 = 1.8, G_0 = 1 + 0.9 * 1.8 = 2.62
        Gae.Result r = Gae.compute(new float[] {1, 0, 2}, new float[] {0.5f, 0.25f, 1}, 0.9, 1.0);
        assertThat(r.returns()).containsExactly(new float[] {2.62f, 1.8f, 2f}, within(1e-5f));
        assertThat(r.advantages()).containsExactly(new float[] {2.12f, 1.55f, 1f}, within(1e-5f));
    }

    @Test
    void whiteningUsesEveryTokenOfTheBatchAndTheUnbiasedVariance() {
        float[][] rows = {{2, 4}, {6}}; // mean 4, unbiased variance (4 + 0 + 4) / 2 = 4
        Whitening.whiten(rows, true);
        assertThat(rows[0]).containsExactly(new float[] {-1, 0}, within(1e-6f));
        assertThat(rows[1]).containsExactly(new float[] {1}, within(1e-6f));
        float[][] kept = {{2, 4}, {6}};
        Whitening.whiten(kept, false);
        assertThat(kept[0]).containsExactly(new float[] {3, 4}, within(1e-6f));
        assertThat(kept[1]).containsExactly(new float[] {5}, within(1e-6f));
    }

    @Test
    void adaptiveKlControllerMovesTowardsItsTargetByAClippedProportionalStep() {
        KlController c = new KlController(0.1, true, 6, 10000);
        // KL twice the target: error clipped to 0.2, beta *= 1 + 0.2 * 64 / 10000
        assertThat(c.update(12, 64).value()).isCloseTo(0.1 * 1.00128, within(1e-12));
        // half the target: error -0.5 clipped to -0.2
        assertThat(c.update(3, 64).value()).isCloseTo(0.1 * 0.99872, within(1e-12));
        // slightly above: unclipped error 0.05
        assertThat(c.update(6.3, 100).value()).isCloseTo(0.1 * (1 + 0.05 * 100 / 10000), within(1e-12));
        assertThat(c.update(6, 64).value()).isEqualTo(0.1);
        assertThat(new KlController(0.1, false, 6, 10000).update(100, 64).value()).isEqualTo(0.1);
    }

    @Test
    void clippedPolicyLossTakesThePessimisticBranchPerToken() {
        try (NDManager m = NDManager.newBaseManager()) {
            Shape s = new Shape(1, 3);
            // position 0 is prompt (masked: its huge difference must not count)
            NDArray logp = m.create(new float[] {9f, (float) Math.log(1.5), (float) Math.log(0.5)}, s);
            NDArray old = m.zeros(s);
            NDArray adv = m.create(new float[] {5, 1, -2}, s);
            NDArray mask = m.create(new float[] {0, 1, 1}, s);
            ClippedLosses.Policy p = ClippedLosses.policy(logp, old, adv, mask, 0.2);
            // token 1: max(-1 * 1.5, -1 * 1.2) = -1.2; token 2: max(2 * 0.5, 2 * 0.8) = 1.6
            assertThat(p.loss().getFloat()).isCloseTo(0.2f, within(1e-6f));
            assertThat(p.clipFraction()).isEqualTo(1.0);
            double l1 = Math.log(1.5);
            double l2 = Math.log(0.5);
            assertThat(p.approxKl()).isCloseTo(0.5 * (l1 * l1 + l2 * l2) / 2, within(1e-6));
            assertThat(p.meanRatio()).isCloseTo(1.0, within(1e-6));
            assertThat(p.maxRatio()).isCloseTo(1.5, within(1e-6));

            // inside the clip range nothing is clipped and the loss is -A * ratio
            NDArray near = m.create(new float[] {0f, (float) Math.log(1.1), 0f}, s);
            ClippedLosses.Policy q = ClippedLosses.policy(near, old, adv, mask, 0.2);
            assertThat(q.loss().getFloat()).isCloseTo((float) ((-1.1 + 2.0) / 2), within(1e-6f));
            assertThat(q.clipFraction()).isZero();
        }
    }

    @Test
    void clippedValueLossKeepsTheLargerErrorOfClippedAndUnclippedPredictions() {
        try (NDManager m = NDManager.newBaseManager()) {
            Shape s = new Shape(1, 3);
            NDArray values = m.create(new float[] {7, 1, 0}, s);
            NDArray old = m.create(new float[] {0, 0.5f, 0.5f}, s);
            NDArray returns = m.create(new float[] {0, 2, 0}, s);
            NDArray mask = m.create(new float[] {0, 1, 1}, s);
            ClippedLosses.Value v = ClippedLosses.value(values, old, returns, mask, 0.2);
            // token 1: clipped 0.7: max(1, 1.69); token 2: clipped 0.3: max(0, 0.09); 0.5 * mean
            assertThat(v.loss().getFloat()).isCloseTo(0.445f, within(1e-6f));
            assertThat(v.clipFraction()).isEqualTo(1.0);
        }
    }
}
