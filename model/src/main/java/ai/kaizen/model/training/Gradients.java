package ai.kaizen.model.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
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
        List<NDArray> gradients = gradients(parameters);
        try {
            return globalNorm(gradients);
        } finally {
            gradients.forEach(NDArray::close);
        }
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
        List<NDArray> gradients = gradients(parameters);
        try {
            return clip(gradients, maxNorm);
        } finally {
            gradients.forEach(NDArray::close); // the handles; the gradients themselves stay with the parameters
        }
    }

    /**
     * The global L2 norm of gradient arrays: {@code sqrt(sum over arrays of sum(g^2))}.
     *
     * @param gradients the gradient arrays
     * @return the norm (0 for no gradients)
     */
    public static double globalNorm(List<NDArray> gradients) {
        if (gradients.isEmpty()) {
            return 0;
        }
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDList squares = new NDList(gradients.size());
            for (NDArray g : gradients) {
                squares.add(g.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).square().sum());
            }
            // one stacked sum and one read: a single device synchronisation
            NDArray total = squares.size() == 1 ? squares.get(0) : NDArrays.stack(squares).sum();
            return Math.sqrt(total.getFloat());
        }
    }

    /**
     * Scales gradient arrays in place so that their global norm is at most {@code maxNorm}: every gradient is
     * multiplied by {@code maxNorm / (norm + 1e-6)} when the norm is larger (PyTorch's guard against a zero norm).
     *
     * @param gradients the gradient arrays (modified in place)
     * @param maxNorm the limit; zero or negative disables clipping
     * @return the norm before clipping (what TRL logs as {@code grad_norm})
     */
    public static double clip(List<NDArray> gradients, double maxNorm) {
        double norm = globalNorm(gradients);
        if (maxNorm > 0 && Double.isFinite(norm)) {
            double coefficient = maxNorm / (norm + 1e-6);
            if (coefficient < 1.0) {
                for (NDArray g : gradients) {
                    g.muli((float) coefficient);
                }
            }
        }
        return norm;
    }

    /** Handles on the gradients of the parameters that have one (close them; scaling them scales the gradients). */
    private static List<NDArray> gradients(Iterable<Pair<String, Parameter>> parameters) {
        List<NDArray> out = new java.util.ArrayList<>();
        for (Pair<String, Parameter> p : parameters) {
            NDArray array = p.getValue().getArray();
            if (array.hasGradient()) {
                out.add(array.getGradient());
            }
        }
        return out;
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
