package ai.kaizen.model.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.junit.jupiter.api.Test;

class GradientsTest {

    @Test
    void scalesEveryGradientByTheSameFactorWhenTheGlobalNormIsTooLarge() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = m.create(new float[] {3, 4}, new Shape(2)); // |a| = 5
            NDArray b = m.create(new float[] {0, 12, 0, 0}, new Shape(2, 2)); // |b| = 12
            double norm = Gradients.clip(List.of(a, b), 1.0);
            assertThat(norm).isCloseTo(13.0, within(1e-5)); // sqrt(25 + 144), before clipping
            float f = (float) (1.0 / (13.0 + 1e-6));
            assertThat(a.toFloatArray()).containsExactly(new float[] {3 * f, 4 * f}, within(1e-6f));
            assertThat(b.toFloatArray()).containsExactly(new float[] {0, 12 * f, 0, 0}, within(1e-6f));
            assertThat(Gradients.globalNorm(List.of(a, b))).isCloseTo(1.0, within(1e-5));
        }
    }

    @Test
    void leavesSmallGradientsAloneAndZeroDisablesClipping() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = m.create(new float[] {0.3f, 0.4f});
            assertThat(Gradients.clip(List.of(a), 1.0)).isCloseTo(0.5, within(1e-6));
            assertThat(a.toFloatArray()).containsExactly(0.3f, 0.4f);
            NDArray big = m.create(new float[] {30, 40});
            assertThat(Gradients.clip(List.of(big), 0)).isCloseTo(50, within(1e-4));
            assertThat(big.toFloatArray()).containsExactly(30f, 40f);
        }
    }
}
