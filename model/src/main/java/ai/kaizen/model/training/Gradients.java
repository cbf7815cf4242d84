package ai.kaizen.model.training;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.util.Pair;
import java.util.List;

/**
 * Gradient housekeeping DJL leaves to the caller when training with a bare
 * {@code GradientCollector}: PyTorch accumulates gradients across backward passes (DJL's
 * collector does not zero them), and DJL's {@code optClipGrad} clamps each element from above only.
 *
 * <p>All methods take the parameters to train, for example
 * {@code lora.parameters()} or {@code model.parameters()}; parameters without a gradient are skipped.
 */
public final class Gradients {

    private Gradients() {}

    /**
     * Sets every gradient to zero (before the next accumulation).
     *
     * @param parameters the trained parameters
     */
    public static void zero(Iterable<Pair<String, Parameter>> parameters) {
        for (Pair<String, Parameter> p : parameters) {
            NDArray array = p.getValue().getArray();
            if (array.hasGradient()) {
                JniUtils.zeroGrad((PtNDArray) array);
            }
        }
    }

    /**
     * The L2 norm of all gradients together.
     *
     * @param parameters the trained parameters
     * @return sqrt(sum of squared gradient elements)
     */
    public static double globalNorm(Iterable<Pair<String, Parameter>> parameters) {
        double sum = 0;
        for (Pair<String, Parameter> p : parameters) {
            NDArray array = p.getValue().getArray();
            if (array.hasGradient()) {
                try (NDArray g = array.getGradient(); NDArray sq = g.toType(ai.djl.ndarray.types.DataType.FLOAT32, true);
                        NDArray s = sq.square(); NDArray total = s.sum()) {
                    sum += total.getFloat();
                }
            }
        }
        return Math.sqrt(sum);
    }

    /**
     * Scales all gradients in place so that their global norm is at most {@code maxNorm}, as
     * {@code torch.nn.utils.clip_grad_norm_} does.
     *
     * @param parameters the trained parameters
     * @param maxNorm the largest norm allowed
     * @return the norm before clipping
     */
    public static double clipGlobalNorm(Iterable<Pair<String, Parameter>> parameters, double maxNorm) {
        double norm = globalNorm(parameters);
        double scale = maxNorm / (norm + 1e-6);
        if (scale < 1) {
            for (Pair<String, Parameter> p : parameters) {
                NDArray array = p.getValue().getArray();
                if (array.hasGradient()) {
                    try (NDArray g = array.getGradient()) {
                        g.muli(scale);
                    }
                }
            }
        }
        return norm;
    }

    /**
     * The parameters that currently record gradients.
     *
     * @param parameters candidates
     * @return those whose arrays require gradients
     */
    public static List<Parameter> trainable(Iterable<Pair<String, Parameter>> parameters) {
        List<Parameter> out = new java.util.ArrayList<>();
        for (Pair<String, Parameter> p : parameters) {
            if (p.getValue().getArray().hasGradient()) {
                out.add(p.getValue());
            }
        }
        return out;
    }
}
