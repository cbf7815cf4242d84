package ai.kaizen.trainer.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.util.Pair;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdamWTest {

    @TempDir
    Path tmp;

    /** PyTorch's AdamW on one scalar, in doubles. */
    static double[] reference(double w, double[] grads, double lr, double wd) {
        double m = 0;
        double v = 0;
        double b1 = 0.9;
        double b2 = 0.999;
        for (int t = 1; t <= grads.length; t++) {
            double g = grads[t - 1];
            w *= 1 - lr * wd;
            m = b1 * m + (1 - b1) * g;
            v = b2 * v + (1 - b2) * g * g;
            w -= lr / (1 - Math.pow(b1, t)) * m / (Math.sqrt(v) / Math.sqrt(1 - Math.pow(b2, t)) + 1e-8);
        }
        return new double[] {w};
    }

    static Parameter parameter(NDManager m, String name, float value, Shape shape) {
        Parameter p = Parameter.builder().setName(name).setType(Parameter.Type.WEIGHT).build();
        NDArray a = m.full(shape, value);
        a.setRequiresGradient(true);
        p.setArray(a);
        return p;
    }

    @Test
    void matchesPytorchsAdamWWithDecoupledDecayOnMatricesOnly() {
        try (NDManager m = NDManager.newBaseManager()) {
            Parameter matrix = parameter(m, "w", 0.5f, new Shape(1, 1));
            Parameter vector = parameter(m, "norm", 0.5f, new Shape(1));
            try (AdamW adam = new AdamW(List.of(new Pair<>("w", matrix), new Pair<>("norm", vector)),
                    new AdamW.Hyper(0.9, 0.999, 1e-8, 0.1))) {
                double[] coefficients = {2.0, -1.0, 0.5};
                for (double c : coefficients) {
                    // loss = c * w, so the gradient is c
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        gc.backward(matrix.getArray().mul((float) c).sum().add(vector.getArray().mul((float) c).sum()));
                    }
                    adam.step(0.01);
                    adam.zeroGradients();
                }
                assertThat(adam.steps()).isEqualTo(3);
                assertThat((double) matrix.getArray().toFloatArray()[0])
                        .isCloseTo(reference(0.5, coefficients, 0.01, 0.1)[0], within(1e-6));
                assertThat((double) vector.getArray().toFloatArray()[0])
                        .isCloseTo(reference(0.5, coefficients, 0.01, 0.0)[0], within(1e-6));

                Path file = tmp.resolve("optimizer.safetensors");
                adam.save(file);
                float[] moment = adam.firstMoment("w").toFloatArray();
                try (AdamW restored = new AdamW(List.of(new Pair<>("w", matrix), new Pair<>("norm", vector)),
                        AdamW.Hyper.DEFAULT)) {
                    restored.load(file);
                    assertThat(restored.steps()).isEqualTo(3);
                    assertThat(restored.firstMoment("w").toFloatArray()).containsExactly(moment);
                }
            }
        }
    }
}
