package ai.kaizen.model.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import java.nio.FloatBuffer;

/**
 * A weight matrix transposed into Java arrays, {@code rows[j][o] = W[o][j]}, multiplied in Java.
 * This is the decode path's matrix-vector product.
 *
 * <p>Why: on this CPU (AMD Zen 4) PyTorch's CPU build multiplies a vector by a float32 matrix
 * through MKL at about 12 GB/s, well under half the memory bandwidth, although a decode step is
 * nothing but streaming the weights once. Here every input row {@code j} scales one contiguous
 * weight row into the output ({@code y += x[j] * rows[j]}), four rows per pass, which the JIT
 * compiles to AVX-512 fused multiply-adds; the input rows are split between the cores, each
 * summing into its own buffer. Every weight row is a separate array, so the output and weight
 * indices coincide and the JIT can prove the loop free of aliasing (it cannot for offsets into
 * one shared array).
 *
 * <p>The cost is a second copy of the weights on the Java heap (see {@link DecodeKernel}). Where
 * the native kernels load, {@link NativeMatrix} is used instead (see {@link NativeKernels} for
 * why).
 */
final class HeapMatrix implements DecodeMatrix {

    /** Rows of W^T copied per transfer from the native tensor (bounds the temporary copy). */
    private static final int COPY_ROWS = 256;

    private final float[][] rows; // (in)[out]
    private final int in;
    private final int out;
    private final ThreadLocal<float[][][]> scratch = new ThreadLocal<>();

    private HeapMatrix(float[][] rows, int in, int out) {
        this.rows = rows;
        this.in = in;
        this.out = out;
    }

    /**
     * Copies a weight.
     *
     * @param w (out, in) float32 or float16
     * @return the transposed heap copy
     */
    static HeapMatrix of(NDArray w) {
        int out = (int) w.getShape().get(0);
        int in = (int) w.getShape().get(1);
        float[][] rows = new float[in][out];
        for (int j0 = 0; j0 < in; j0 += COPY_ROWS) {
            int j1 = Math.min(in, j0 + COPY_ROWS);
            try (NDArray columns = w.get(new NDIndex(":, {}:{}", j0, j1));
                    NDArray t = columns.transpose();
                    NDArray f = t.toType(DataType.FLOAT32, false)) {
                FloatBuffer buf = f.toByteBuffer().asFloatBuffer();
                for (int j = j0; j < j1; j++) {
                    buf.get(rows[j]);
                }
            }
        }
        return new HeapMatrix(rows, in, out);
    }

    @Override
    public int out() {
        return out;
    }

    @Override
    public void row(int o, float[] outArray, int offset) {
        java.util.Objects.checkIndex(o, out);
        java.util.Objects.checkFromIndexSize(offset, in, outArray.length);
        for (int j = 0; j < in; j++) {
            outArray[offset + j] = rows[j][o];
        }
    }

    /** Nothing to free: the heap copy goes with its last reference. */
    @Override
    public void close() {}

    @Override
    public void multiply(float[] x, float[] y, int rows, Parallel parallel) {
        if (Diagnostics.enabled()) {
            long t0 = System.nanoTime();
            multiplyUntimed(x, y, rows, parallel);
            Diagnostics.addKernelNanos(System.nanoTime() - t0);
        } else {
            multiplyUntimed(x, y, rows, parallel);
        }
    }

    private void multiplyUntimed(float[] x, float[] y, int rows, Parallel parallel) {
        // A few parts per thread, claimed dynamically, so that one descheduled thread delays
        // little. Each part sums into its own row arrays (see the class comment for why rows) and
        // the parts are added in part order: the result does not depend on which thread ran which
        // part. Below ~64k multiply-adds a hand-off costs more than it saves.
        int parts = Math.max(1, Math.min(2 * parallel.threads(), in / 64));
        if ((long) in * out * rows < (1 << 16) || parallel.threads() == 1) {
            parts = 1;
        }
        float[][][] partial = buffers(parts, rows);
        int n = parts;
        parallel.run(parts, (slot, p) -> {
            int j0 = (int) ((long) in * p / n) & ~3;
            int j1 = p == n - 1 ? in : (int) ((long) in * (p + 1) / n) & ~3;
            for (float[] t : partial[p]) {
                java.util.Arrays.fill(t, 0f);
            }
            accumulate(x, rows, partial[p], j0, j1);
        });
        for (int b = 0; b < rows; b++) {
            System.arraycopy(partial[0][b], 0, y, b * out, out);
            for (int p = 1; p < parts; p++) {
                add(y, b * out, partial[p][b], out);
            }
        }
    }

    /** Per-part accumulation rows of the calling thread, reused across calls. */
    private float[][][] buffers(int parts, int rows) {
        float[][][] all = scratch.get();
        if (all == null || all.length < parts || all[0].length != rows) {
            all = new float[parts][rows][out];
            scratch.set(all);
        }
        return all;
    }

    private void accumulate(float[] x, int batch, float[][] y, int j0, int j1) {
        int j = j0;
        for (; j + 4 <= j1; j += 4) {
            float[] w0 = rows[j];
            float[] w1 = rows[j + 1];
            float[] w2 = rows[j + 2];
            float[] w3 = rows[j + 3];
            for (int b = 0; b < batch; b++) {
                int xb = b * in + j;
                axpy4(x[xb], w0, x[xb + 1], w1, x[xb + 2], w2, x[xb + 3], w3, y[b], out);
            }
        }
        for (; j < j1; j++) {
            for (int b = 0; b < batch; b++) {
                axpy1(x[b * in + j], rows[j], y[b], out);
            }
        }
    }

    private static void axpy4(float x0, float[] w0, float x1, float[] w1, float x2, float[] w2, float x3, float[] w3,
            float[] y, int n) {
        for (int o = 0; o < n; o++) {
            y[o] = Math.fma(x3, w3[o], Math.fma(x2, w2[o], Math.fma(x1, w1[o], Math.fma(x0, w0[o], y[o]))));
        }
    }

    private static void axpy1(float x0, float[] w0, float[] y, int n) {
        for (int o = 0; o < n; o++) {
            y[o] = Math.fma(x0, w0[o], y[o]);
        }
    }

    private static void add(float[] y, int offset, float[] p, int n) {
        for (int o = 0; o < n; o++) {
            y[offset + o] += p[o];
        }
    }
}
