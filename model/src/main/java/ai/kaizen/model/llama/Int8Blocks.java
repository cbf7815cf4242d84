package ai.kaizen.model.llama;

import ai.djl.util.Float16Utils;

/**
 * Weights quantised to int8 in blocks of {@link #BLOCK} inputs, one float16 scale per output and
 * block, as llama.cpp's Q8_0: {@code W[o][i] ~ scale[o][i / 32] * q[o][i]}, the scale the block's
 * largest magnitude over 127. Both int8 decode copies ({@link NativeMatrix}, {@link HeapInt8Matrix})
 * are made from these values, so they hold the same weights.
 *
 * <p>Each weight is off by at most half a scale, {@code max|W[o][block]| / 254}: a product's
 * error is at most {@code sum_i |x[i]| scale[o][i / 32] / 2} (about 0.4% of the weights' scale).
 */
final class Int8Blocks {

    /** Inputs per block (one scale each). */
    static final int BLOCK = 32;

    private Int8Blocks() {}

    /** @return blocks per row of {@code in} inputs */
    static int blocks(int in) {
        return (in + BLOCK - 1) / BLOCK;
    }

    /**
     * Quantises {@code count} rows.
     *
     * @param rows row-major {@code (count, in)}
     * @param q receives the int8 weights, row-major {@code (count, in)}
     * @param scales receives the float16 scales, {@code (count, blocks(in))}
     */
    static void quantise(float[] rows, int count, int in, byte[] q, short[] scales) {
        int blocks = blocks(in);
        for (int r = 0; r < count; r++) {
            for (int k = 0; k < blocks; k++) {
                int i0 = r * in + k * BLOCK;
                int i1 = r * in + Math.min(in, (k + 1) * BLOCK);
                float max = 0;
                for (int i = i0; i < i1; i++) {
                    max = Math.max(max, Math.abs(rows[i]));
                }
                // quantise against the scale as stored (float16), so that rounding the scale adds no error
                short bits = Float16Utils.floatToHalf(max / 127f);
                float scale = Float16Utils.halfToFloat(bits);
                scales[r * blocks + k] = bits;
                float inverse = scale == 0 ? 0 : 1 / scale;
                for (int i = i0; i < i1; i++) {
                    q[i] = (byte) Math.max(-127, Math.min(127, Math.round(rows[i] * inverse)));
                }
            }
        }
    }

    /** @return the scale's value, as the native kernels widen it */
    static float scale(short bits) {
        return Float16Utils.halfToFloat(bits);
    }
}
