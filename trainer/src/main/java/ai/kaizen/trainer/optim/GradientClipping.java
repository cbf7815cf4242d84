package ai.kaizen.trainer.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import java.util.List;

/**
 * Clipping by the global L2 norm of all gradients, as PyTorch's {@code clip_grad_norm_}: when the
 * norm exceeds the limit every gradient is multiplied in place by {@code limit / (norm + 1e-6)}.
 * DJL's {@code optClipGrad} clamps each element from above only, which is a different (and
 * direction-changing) operation, hence this class.
 */
public final class GradientClipping {

    /** PyTorch's guard against division by a zero norm. */
    private static final double EPSILON = 1e-6;

    private GradientClipping() {}

    /**
     * The global L2 norm of the gradients: {@code sqrt(sum over arrays of sum(g^2))}.
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
     * Scales the gradients in place so that their global norm is at most {@code maxNorm}.
     *
     * @param gradients the gradient arrays (modified in place)
     * @param maxNorm the limit; zero or negative disables clipping
     * @return the norm before clipping (what TRL logs as {@code grad_norm})
     */
    public static double clip(List<NDArray> gradients, double maxNorm) {
        double norm = globalNorm(gradients);
        if (maxNorm > 0 && Double.isFinite(norm)) {
            double coefficient = maxNorm / (norm + EPSILON);
            if (coefficient < 1.0) {
                for (NDArray g : gradients) {
                    g.muli((float) coefficient);
                }
            }
        }
        return norm;
    }
}
