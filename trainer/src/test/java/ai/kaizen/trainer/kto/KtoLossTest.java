package ai.kaizen.trainer.kto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.kaizen.model.llama.NativeArrays;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The KTO loss on given log-probabilities, against values worked out by hand. */
class KtoLossTest {

    static final float[] POLICY = {-10, -12, -8, -20};
    static final float[] REFERENCE = {-11, -11, -9, -18};
    static final boolean[] DESIRABLE = {true, false, true, false};
    /** Mismatched pairs: policy minus reference is 0.5, 0.2, 0.1, 0.4, so z0 = 0.3. */
    static final float[] POLICY_KL = {-30, -31, -29, -32};
    static final float[] REFERENCE_KL = {-30.5f, -31.2f, -29.1f, -32.4f};

    static KtoConfig config(String lossType) {
        JsonObject o = new JsonObject();
        o.addProperty("beta", 0.1);
        o.addProperty("undesirable_weight", 1.5);
        o.addProperty("loss_type", lossType);
        return KtoConfig.fromJson(o, KtoConfig.defaults(Path.of("unused")));
    }

    @Test
    void theBatchLossIsTheHandComputedMeanOfWeightedSigmoidLosses() {
        KtoConfig config = config("kto");
        double z0 = KtoLoss.referencePoint(POLICY_KL, REFERENCE_KL);
        assertThat(z0).isCloseTo(0.3, within(1e-6));
        // log-ratios 1, -1, 1, -2; beta 0.1; undesirable answers weigh 1.5:
        // 1 - s(0.1 (1 - 0.3)) = 0.482507, 1.5 (1 - s(0.1 (0.3 + 1))) = 0.701319,
        // 0.482507 again, 1.5 (1 - s(0.1 (0.3 + 2))) = 0.664128; mean 0.582615
        double[] expected = {0.482507, 0.701319, 0.482507, 0.664128};
        try (NDManager m = NDManager.newBaseManager()) {
            float[] losses = KtoLoss.losses(NativeArrays.copyOf(m, POLICY, new Shape(4), DataType.FLOAT32), REFERENCE,
                    DESIRABLE, z0, config).toFloatArray();
            double mean = 0;
            for (int i = 0; i < 4; i++) {
                assertThat((double) losses[i]).as("answer %d", i).isCloseTo(expected[i], within(1e-5));
                assertThat(KtoLoss.loss(POLICY[i] - REFERENCE[i], DESIRABLE[i], z0, config))
                        .isCloseTo(expected[i], within(1e-5));
                mean += losses[i] / 4.0;
            }
            assertThat(mean).isCloseTo(0.582615, within(1e-5));
        }
    }

    @Test
    void apoZeroUnpairedIsTheSameLossWithoutTheReferencePoint() {
        KtoConfig config = config("apo_zero_unpaired");
        assertThat(config.lossType().usesReferencePoint()).isFalse();
        // 1 - s(0.1), 1.5 s(-0.1), 1 - s(0.1), 1.5 s(-0.2)
        double[] expected = {0.475021, 0.712531, 0.475021, 0.675249};
        try (NDManager m = NDManager.newBaseManager()) {
            float[] losses = KtoLoss.losses(NativeArrays.copyOf(m, POLICY, new Shape(4), DataType.FLOAT32), REFERENCE,
                    DESIRABLE, 0, config).toFloatArray();
            for (int i = 0; i < 4; i++) {
                assertThat((double) losses[i]).isCloseTo(expected[i], within(1e-5));
            }
        }
    }

    @Test
    void theReferencePointIsNeverNegativeAndZeroWithoutMismatchedPairs() {
        assertThat(KtoLoss.referencePoint(new float[] {-12, -9}, new float[] {-10, -8})).isZero(); // mean -1.5
        assertThat(KtoLoss.referencePoint(new float[0], new float[0])).isZero();
        assertThat(KtoLoss.referencePoint(new float[] {-7}, new float[] {-9})).isEqualTo(2.0);
    }

    /**
     * The gradient of the loss in the policy's log-probabilities is the one with z0 held constant:
     * for a desirable answer {@code -w beta s'(beta (r - z0))}, for an undesirable one
     * {@code +w beta s'(beta (z0 - r))}, where {@code s' = s (1 - s)}. A z0 in the graph would add
     * terms through the mismatched pairs.
     */
    @Test
    void theGradientTreatsTheReferencePointAsAConstant() {
        KtoConfig config = config("kto");
        double z0 = KtoLoss.referencePoint(POLICY_KL, REFERENCE_KL);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray policy = NativeArrays.copyOf(m, POLICY, new Shape(4), DataType.FLOAT32);
            policy.setRequiresGradient(true);
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                collector.backward(KtoLoss.losses(policy, REFERENCE, DESIRABLE, z0, config).sum());
            }
            float[] gradient = policy.getGradient().toFloatArray();
            for (int i = 0; i < 4; i++) {
                double r = POLICY[i] - REFERENCE[i];
                double x = 0.1 * (DESIRABLE[i] ? r - z0 : z0 - r);
                double s = 1 / (1 + Math.exp(-x));
                double expected = (DESIRABLE[i] ? -1.0 : 1.5) * 0.1 * s * (1 - s);
                assertThat((double) gradient[i]).as("answer %d", i).isCloseTo(expected, within(1e-6));
            }
        }
    }
}
