package ai.kaizen.model.llama;

import ai.djl.ndarray.NDArray;

/**
 * A copy of one weight matrix made for decode steps, multiplied by a few rows at a time outside
 * PyTorch: {@link NativeMatrix} where the native kernels load, {@link HeapMatrix} otherwise.
 */
interface DecodeMatrix {

    /**
     * Copies a weight into the fastest available form.
     *
     * @param w (out, in) float32 or float16
     * @return the copy
     */
    static DecodeMatrix of(NDArray w) {
        return of(w, false);
    }

    /**
     * Copies a weight into the fastest available form.
     *
     * @param w (out, in) float32 or float16
     * @param int8 quantise the copy to int8 in blocks ({@link Int8Blocks}) instead of keeping the type
     * @return the copy
     */
    static DecodeMatrix of(NDArray w, boolean int8) {
        if (NativeKernels.available()) {
            DecodeMatrix m = NativeMatrix.of(w, int8);
            if (m != null) {
                return m;
            }
        }
        return int8 ? HeapInt8Matrix.of(w) : HeapMatrix.of(w);
    }

    /** @return output features */
    int out();

    /**
     * {@code y = x W^T} for a few rows.
     *
     * @param x (rows, in) row-major
     * @param y (rows, out) row-major, overwritten
     * @param rows rows of x and y
     * @param parallel the worker threads
     */
    void multiply(float[] x, float[] y, int rows, Parallel parallel);

    /**
     * Copies one row of the weight, {@code out[offset + i] = W[o][i]}: an embedding lookup where
     * the LM head is the embedding.
     *
     * @param o the row (output feature)
     * @param out where to write the {@code in} values
     * @param offset where in {@code out}
     */
    void row(int o, float[] out, int offset);

    /**
     * Frees the copy's memory once no product is running on it; later products fail. Copies
     * never closed are freed when collected.
     */
    void close();
}
