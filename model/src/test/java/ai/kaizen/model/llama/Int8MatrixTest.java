package ai.kaizen.model.llama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The int8 decode copies (Q8_0-style blocks of 32 inputs, a float16 scale each), native and Java,
 * against PyTorch's float32 product: every output within the quantisation bound, {@code sum_i
 * |x[i]| scale(i) / 2}, and each copy within float rounding of the exact product of the quantised
 * weights, on shapes that end mid-block and mid-panel and on 1 to 16 rows.
 */
class Int8MatrixTest {

    private static DecodeMatrix copy(String kind, NDArray w) {
        if (kind.equals("heap")) {
            return HeapInt8Matrix.of(w);
        }
        assumeTrue(NativeKernels.available(), NativeKernels.description());
        return NativeMatrix.of(w, true);
    }

    @ParameterizedTest
    @CsvSource({
        "heap, 1, 7, 5", "heap, 1, 300, 517", "heap, 3, 301, 64", "heap, 8, 1030, 259", "heap, 16, 64, 2000",
        "heap, 5, 33, 31",
        "native, 1, 7, 5", "native, 1, 300, 517", "native, 2, 95, 33", "native, 3, 301, 64", "native, 4, 31, 70",
        "native, 8, 1030, 259", "native, 9, 33, 31", "native, 12, 172, 64", "native, 16, 64, 2000",
        "native, 13, 768, 2304", "native, 1, 768, 32000"
    })
    void multipliesWithinTheQuantisationBoundOfFloat32(String kind, int batch, int in, int out) {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray w = m.randomNormal(0, 0.1f, new Shape(out, in), DataType.FLOAT32);
            NDArray x = m.randomNormal(0, 1, new Shape(batch, in), DataType.FLOAT32);
            float[] exact = Linear.linear(x, w, null).singletonOrThrow().toFloatArray();
            float[] xs = x.toFloatArray();
            float[] ws = w.toFloatArray();
            byte[] q = new byte[out * in];
            short[] scales = new short[out * Int8Blocks.blocks(in)];
            Int8Blocks.quantise(ws, out, in, q, scales);

            DecodeMatrix h = copy(kind, w);
            float[] ys = new float[batch * out];
            Arrays.fill(ys, 42); // overwritten, not accumulated
            assertThat(h.out()).isEqualTo(out);
            h.multiply(xs, ys, batch, Parallel.SHARED);
            int blocks = Int8Blocks.blocks(in);
            double worst = 0;
            for (int r = 0; r < batch; r++) {
                for (int o = 0; o < out; o++) {
                    double quantised = 0;
                    double bound = 0;
                    double magnitude = 0;
                    for (int i = 0; i < in; i++) {
                        float scale = Int8Blocks.scale(scales[o * blocks + i / Int8Blocks.BLOCK]);
                        quantised += (double) xs[r * in + i] * (scale * q[o * in + i]);
                        bound += Math.abs(xs[r * in + i]) * scale / 2;
                        magnitude += Math.abs(xs[r * in + i] * ws[o * in + i]);
                    }
                    float y = ys[r * out + o];
                    String at = String.format("row %d output %d", r, o);
                    // the kernel computes the product of the quantised weights, up to float rounding
                    assertThat(Math.abs(y - quantised)).as(at).isLessThanOrEqualTo(1e-5 * magnitude + 1e-6);
                    // which is within half a step of each weight of the float32 product
                    double error = Math.abs(y - exact[r * out + o]);
                    assertThat(error).as(at).isLessThanOrEqualTo(bound + 1e-5 * magnitude + 1e-5);
                    worst = Math.max(worst, error / (magnitude + 1e-9));
                }
            }
            // the bound is loose; random weights land far inside it (about 0.1-0.3% of the magnitude)
            assertThat(worst).isLessThan(0.02);
            h.close();
        }
    }

    /** Both copies hold the same weights; their products differ only in the order of the additions. */
    @ParameterizedTest
    @CsvSource({"1, 300, 517", "2, 33, 40", "7, 172, 64", "8, 64, 172", "16, 1030, 259"})
    void nativeAndJavaCopiesAgree(int batch, int in, int out) {
        assumeTrue(NativeKernels.available(), NativeKernels.description());
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray w = m.randomNormal(0, 0.1f, new Shape(out, in), DataType.FLOAT32);
            float[] xs = m.randomNormal(0, 1, new Shape(batch, in), DataType.FLOAT32).toFloatArray();
            DecodeMatrix heap = HeapInt8Matrix.of(w);
            DecodeMatrix nat = NativeMatrix.of(w, true);
            float[] a = new float[batch * out];
            float[] b = new float[batch * out];
            heap.multiply(xs, a, batch, Parallel.SHARED);
            nat.multiply(xs, b, batch, Parallel.SHARED);
            for (int i = 0; i < a.length; i++) {
                assertThat((double) Math.abs(a[i] - b[i])).as("row %d output %d", i / out, i % out)
                        .isLessThanOrEqualTo(1e-5 * (1 + Math.abs(a[i])));
            }
            float[] ra = new float[in];
            float[] rb = new float[in];
            for (int o : new int[] {0, 31, 32, out - 1}) {
                heap.row(o, ra, 0);
                nat.row(o, rb, 0);
                assertThat(rb).as("row %d", o).containsExactly(ra);
            }
            nat.close();
        }
    }

    /**
     * A row of the copy is the dequantised row: within half a step of each weight (a block under
     * about 4e-6, whose float16 scale underflows, is zero, as in llama.cpp's Q8_0).
     */
    @ParameterizedTest
    @CsvSource({"heap, float32", "native, float32", "native, float16"})
    void rowsAreTheWeightsRowsWithinHalfAStep(String kind, String dtype) {
        try (NDManager m = NDManager.newBaseManager()) {
            int out = 70; // two full panels of 32 and a partial one
            int in = 37; // a full block and a partial one
            NDArray w = m.randomNormal(0, 0.1f, new Shape(out, in), DataType.FLOAT32);
            // a block of zeros, one of small weights (a subnormal float16 scale), one under float16's range
            w.set(new ai.djl.ndarray.index.NDIndex("1, 0:32"), 0f);
            w.set(new ai.djl.ndarray.index.NDIndex("2, 0:32"), 1e-3f);
            w.set(new ai.djl.ndarray.index.NDIndex("3, 0:32"), 1e-6f);
            if (dtype.equals("float16")) {
                w = w.toType(DataType.FLOAT16, false);
            }
            float[] weights = w.toType(DataType.FLOAT32, false).toFloatArray();
            short[] scales = new short[out * 2];
            Int8Blocks.quantise(weights, out, in, new byte[out * in], scales);
            DecodeMatrix h = copy(kind, w);
            float[] row = new float[in + 3];
            for (int o : new int[] {0, 1, 2, 3, 31, 32, 45, 69}) {
                h.row(o, row, 3);
                for (int k = 0; k < in; k += Int8Blocks.BLOCK) {
                    float max = 0;
                    for (int i = k; i < Math.min(in, k + Int8Blocks.BLOCK); i++) {
                        max = Math.max(max, Math.abs(weights[o * in + i]));
                    }
                    float step = Int8Blocks.scale(scales[o * 2 + k / Int8Blocks.BLOCK]);
                    if (max > 1e-2) {
                        assertThat(step).as("scale of row %d", o).isCloseTo(max / 127, within(max / 127 * 1e-3f));
                    }
                    // half a step, or the largest weight's excess over 127 steps (the scale rounded down)
                    double bound = Math.max(step / 2, max - 127 * step);
                    for (int i = k; i < Math.min(in, k + Int8Blocks.BLOCK); i++) {
                        assertThat((double) Math.abs(row[3 + i] - weights[o * in + i])).as("W[%d][%d]", o, i)
                                .isLessThanOrEqualTo(bound * (1 + 1e-6) + 1e-12);
                    }
                }
            }
            h.row(2, row, 0);
            assertThat(row[0]).isCloseTo(1e-3f, within(1e-5f));
            for (int i = 0; i < Int8Blocks.BLOCK; i++) {
                assertThat(row[3 + i]).isNotNaN();
            }
            h.row(1, row, 0);
            for (int i = 0; i < Int8Blocks.BLOCK; i++) {
                assertThat(row[i]).isZero();
            }
            assertThatThrownBy(() -> h.row(out, row, 0)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> h.row(0, row, 4)).isInstanceOf(IndexOutOfBoundsException.class);
            h.close();
        }
    }
}
