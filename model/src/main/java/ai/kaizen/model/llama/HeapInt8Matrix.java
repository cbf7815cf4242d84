package ai.kaizen.model.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;

/**
 * An int8 weight matrix ({@link Int8Blocks}) on the Java heap, multiplied in Java: the int8
 * decode copy where the native kernels do not load. It holds the same quantised weights as the
 * native copy, so the two agree up to the order of the float additions.
 *
 * <p>Each output is a dot product over its row (row-major int8 weights), summed block by block
 * in four interleaved partial sums, then scaled: the order is fixed, so results do not depend
 * on which thread ran which outputs. The JIT does not vectorise these reductions; this is the
 * fallback for correctness, not speed.
 */
final class HeapInt8Matrix implements DecodeMatrix {

    /** Weight rows quantised per transfer from the native tensor (bounds the temporary copy). */
    private static final int COPY_ROWS = 256;

    private final byte[] q; // (out, in)
    private final float[] scales; // (out, blocks)
    private final int in;
    private final int out;
    private final int blocks;

    private HeapInt8Matrix(byte[] q, float[] scales, int in, int out) {
        this.q = q;
        this.scales = scales;
        this.in = in;
        this.out = out;
        this.blocks = Int8Blocks.blocks(in);
    }

    /**
     * Quantises a weight.
     *
     * @param w (out, in) float32 or float16
     * @return the heap copy
     */
    static HeapInt8Matrix of(NDArray w) {
        int out = (int) w.getShape().get(0);
        int in = (int) w.getShape().get(1);
        int blocks = Int8Blocks.blocks(in);
        byte[] q = new byte[Math.multiplyExact(out, in)];
        float[] scales = new float[Math.multiplyExact(out, blocks)];
        for (int o0 = 0; o0 < out; o0 += COPY_ROWS) {
            int o1 = Math.min(out, o0 + COPY_ROWS);
            try (NDArray rows = w.get(new NDIndex("{}:{}", o0, o1));
                    NDArray f = rows.toType(DataType.FLOAT32, false)) {
                byte[] part = new byte[(o1 - o0) * in];
                short[] bits = new short[(o1 - o0) * blocks];
                Int8Blocks.quantise(f.toFloatArray(), o1 - o0, in, part, bits);
                System.arraycopy(part, 0, q, o0 * in, part.length);
                for (int i = 0; i < bits.length; i++) {
                    scales[o0 * blocks + i] = Int8Blocks.scale(bits[i]);
                }
            }
        }
        return new HeapInt8Matrix(q, scales, in, out);
    }

    @Override
    public int out() {
        return out;
    }

    @Override
    public void row(int o, float[] outArray, int offset) {
        java.util.Objects.checkIndex(o, out);
        java.util.Objects.checkFromIndexSize(offset, in, outArray.length);
        for (int i = 0; i < in; i++) {
            outArray[offset + i] = scales[o * blocks + i / Int8Blocks.BLOCK] * q[o * in + i];
        }
    }

    /** Nothing to free: the heap copy goes with its last reference. */
    @Override
    public void close() {}

    @Override
    public void multiply(float[] x, float[] y, int rows, Parallel parallel) {
        if (rows < 0 || x.length < (long) rows * in || y.length < (long) rows * out) {
            throw new IllegalArgumentException("arrays too short for " + rows + " rows of " + in + " -> " + out);
        }
        long t0 = Diagnostics.enabled() ? System.nanoTime() : 0;
        // a few parts per thread, claimed dynamically; below ~64k multiply-adds a hand-off costs more than it saves
        int parts = Math.max(1, Math.min(2 * parallel.threads(), out / 16));
        if ((long) in * out * rows < (1 << 16)) {
            parts = 1;
        }
        int n = parts;
        parallel.run(parts, (slot, p) -> {
            int o0 = (int) ((long) out * p / n);
            int o1 = (int) ((long) out * (p + 1) / n);
            for (int o = o0; o < o1; o++) {
                for (int r = 0; r < rows; r++) {
                    y[r * out + o] = dot(o, x, r * in);
                }
            }
        });
        if (Diagnostics.enabled()) {
            Diagnostics.addKernelNanos(System.nanoTime() - t0);
        }
    }

    /** {@code sum_i x[xOffset + i] W[o][i]}, block by block. */
    private float dot(int o, float[] x, int xOffset) {
        int w = o * in;
        float total = 0;
        for (int k = 0; k < blocks; k++) {
            int i0 = k * Int8Blocks.BLOCK;
            int i1 = Math.min(in, i0 + Int8Blocks.BLOCK);
            float s0 = 0;
            float s1 = 0;
            float s2 = 0;
            float s3 = 0;
            int i = i0;
            for (; i + 4 <= i1; i += 4) {
                s0 = Math.fma(x[xOffset + i], q[w + i], s0);
                s1 = Math.fma(x[xOffset + i + 1], q[w + i + 1], s1);
                s2 = Math.fma(x[xOffset + i + 2], q[w + i + 2], s2);
                s3 = Math.fma(x[xOffset + i + 3], q[w + i + 3], s3);
            }
            for (; i < i1; i++) {
                s0 = Math.fma(x[xOffset + i], q[w + i], s0);
            }
            total = Math.fma((s0 + s1) + (s2 + s3), scales[o * blocks + k], total);
        }
        return total;
    }
}
