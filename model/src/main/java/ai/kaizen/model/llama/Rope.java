package ai.kaizen.model.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.kaizen.model.config.LlamaConfig;

/**
 * Rotary position embedding in the Hugging Face "half-split" layout: dimension {@code i} of a head
 * is rotated with dimension {@code i + headDim/2}.
 *
 * <p>{@code rope(x) = x * cos + rotateHalf(x) * sin}, where {@code rotateHalf(x) = [-x2, x1]} is
 * computed as one product with a constant ±1 permutation matrix (exact: one non-zero per column),
 * instead of a split, a negation and a concatenation.
 *
 * <p>The cos/sin tables are computed in double precision and grow on demand up to
 * {@code max_position_embeddings}, so a 128k-context model does not pay for 128k rows up front.
 */
final class Rope {

    private static final int INITIAL_POSITIONS = 1024;

    private final NDManager manager;
    private final DataType dataType;
    private final int headDim;
    private final int maxPositions;
    private final double[] inverseFrequencies;
    private final NDArray rotation; // (headDim, headDim)
    private volatile Tables tables;

    private record Tables(int positions, NDArray cos, NDArray sin) {}

    Rope(LlamaConfig config, NDManager manager, DataType dataType) {
        this.manager = manager;
        this.dataType = dataType;
        this.headDim = config.headDim();
        this.maxPositions = config.maxPositionEmbeddings();
        int half = headDim / 2;
        inverseFrequencies = new double[half];
        for (int i = 0; i < half; i++) {
            inverseFrequencies[i] = 1.0 / Math.pow(config.ropeTheta(), (2.0 * i) / headDim);
        }
        if (config.ropeScaling() != null) {
            config.ropeScaling().apply(inverseFrequencies);
        }
        float[] r = new float[headDim * headDim];
        for (int i = 0; i < half; i++) {
            // output column i takes -x[i + half]; output column i + half takes x[i]
            r[(i + half) * headDim + i] = -1f;
            r[i * headDim + i + half] = 1f;
        }
        rotation = NativeArrays.copyOf(manager, r, new Shape(headDim, headDim), dataType);
        tables = build(Math.min(INITIAL_POSITIONS, maxPositions));
    }

    private Tables build(int positions) {
        float[] cos = new float[positions * headDim];
        float[] sin = new float[positions * headDim];
        int half = headDim / 2;
        for (int p = 0; p < positions; p++) {
            for (int i = 0; i < half; i++) {
                double angle = p * inverseFrequencies[i];
                float c = (float) Math.cos(angle);
                float s = (float) Math.sin(angle);
                cos[p * headDim + i] = c;
                cos[p * headDim + i + half] = c;
                sin[p * headDim + i] = s;
                sin[p * headDim + i + half] = s;
            }
        }
        Shape shape = new Shape(positions, headDim);
        NDArray c = NativeArrays.copyOf(manager, cos, shape, dataType);
        NDArray s = NativeArrays.copyOf(manager, sin, shape, dataType);
        // tables grown during a forward pass belong to the model, not to the pass's scope (which closes at its end)
        NDScope.unregister(c, s);
        return new Tables(positions, c, s);
    }

    /** @return the (scaled) inverse frequencies, one per pair of head dimensions */
    double[] inverseFrequencies() {
        return inverseFrequencies.clone();
    }

    /** Makes sure positions {@code [0, needed)} are in the tables. */
    void ensure(int needed) {
        if (needed > maxPositions) {
            throw new IllegalArgumentException("Position " + (needed - 1) + " is beyond max_position_embeddings ("
                    + maxPositions + ")");
        }
        if (needed <= tables.positions()) {
            return;
        }
        synchronized (this) {
            Tables old = tables;
            if (needed <= old.positions()) {
                return;
            }
            int size = old.positions();
            while (size < needed) {
                size = Math.min(maxPositions, size * 2);
            }
            tables = build(size);
            // Readers may still hold the old tables; they are small, so they simply stay with the manager.
        }
    }

    /**
     * Looks up cos and sin for each position.
     *
     * @param positions (B, T) int64 position ids
     * @return {cos, sin}, each (B, T, 1, headDim), attached to the positions' manager
     */
    NDArray[] lookup(NDArray positions) {
        Tables t = tables;
        NDArray cos = positions.getNDArrayInternal().embedding(positions, t.cos(), SparseFormat.DENSE).singletonOrThrow();
        NDArray sin = positions.getNDArrayInternal().embedding(positions, t.sin(), SparseFormat.DENSE).singletonOrThrow();
        return new NDArray[] {cos.expandDims(2), sin.expandDims(2)};
    }

    /**
     * Rotates {@code x} (..., headDim) by the looked-up angles.
     *
     * @param x the heads
     * @param cos (B, T, 1 or heads, headDim)
     * @param sin (B, T, 1 or heads, headDim)
     * @return the rotated heads
     */
    NDArray apply(NDArray x, NDArray cos, NDArray sin) {
        return x.mul(cos).add(x.matMul(rotation).mul(sin));
    }
}
