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
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Both decode copies, the Java one on the heap and the native one, against PyTorch's product. */
class DecodeMatrixTest {

    private static DecodeMatrix copy(String kind, NDArray w) {
        if (kind.equals("heap")) {
            return HeapMatrix.of(w);
        }
        // theNativeKernelsLoadOnThisPlatform fails where they should load and do not
        assumeTrue(NativeKernels.available(), NativeKernels.description());
        return NativeMatrix.of(w);
    }

    @Test
    void theNativeKernelsLoadOnThisPlatform() {
        String arch = System.getProperty("os.arch");
        if (System.getProperty("os.name").startsWith("Linux") && (arch.equals("amd64") || arch.equals("x86_64"))
                && !"false".equals(System.getProperty(NativeKernels.PROPERTY))) {
            // the build compiles them here; a silent fallback to Java would hide a broken build
            assertThat(NativeKernels.description()).startsWith("native");
            try (NDManager m = NDManager.newBaseManager()) {
                assertThat(DecodeMatrix.of(m.zeros(new Shape(4, 4)))).isInstanceOf(NativeMatrix.class);
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"heap", "native"})
    void concurrentCallersGetTheirOwnResults(String kind) throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            int in = 512;
            int out = 700;
            NDArray w = m.randomNormal(0, 0.1f, new Shape(out, in), DataType.FLOAT32);
            DecodeMatrix h = copy(kind, w);
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<Boolean>> checks = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    final int seed = t;
                    checks.add(pool.submit(() -> {
                        float[] x = random(new Random(seed), 2 * in);
                        float[] first = new float[2 * out];
                        h.multiply(x, first, 2, Parallel.SHARED);
                        for (int rep = 0; rep < 50; rep++) {
                            float[] again = new float[2 * out];
                            h.multiply(x, again, 2, Parallel.SHARED);
                            // deterministic whatever thread ran which part
                            if (!java.util.Arrays.equals(again, first)) {
                                return false;
                            }
                        }
                        return true;
                    }));
                }
                for (Future<Boolean> c : checks) {
                    assertThat(c.get()).isTrue();
                }
            } finally {
                pool.shutdown();
            }
            h.close();
        }
    }

    @ParameterizedTest
    @CsvSource({
        "heap, 1, 7, 5", "heap, 1, 300, 517", "heap, 3, 301, 64", "heap, 8, 1030, 259", "heap, 16, 64, 2000",
        "native, 1, 7, 5", "native, 1, 300, 517", "native, 3, 301, 64", "native, 8, 1030, 259",
        "native, 9, 33, 31", "native, 16, 64, 2000", "native, 13, 768, 2304"
    })
    void multipliesLikePyTorch(String kind, int batch, int in, int out) {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray w = m.randomNormal(0, 0.1f, new Shape(out, in), DataType.FLOAT32);
            check(m, w, copy(kind, w), batch, 1e-4f);
        }
    }

    /** Float16 weights stay float16 in the native copy; the product matches on the widened weights. */
    @ParameterizedTest
    @CsvSource({"1, 300, 517", "8, 1030, 259", "16, 64, 2000"})
    void multipliesFloat16WeightsLikePyTorch(int batch, int in, int out) {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray w = m.randomNormal(0, 0.1f, new Shape(out, in), DataType.FLOAT32).toType(DataType.FLOAT16, false);
            check(m, w.toType(DataType.FLOAT32, false), copy("native", w), batch, 1e-4f);
        }
    }

    /** A row of the copy is the weight's row exactly (the embedding lookup of a tied LM head). */
    @ParameterizedTest
    @CsvSource({"heap, float32", "native, float32", "native, float16"})
    void rowsAreTheWeightsRows(String kind, String dtype) {
        try (NDManager m = NDManager.newBaseManager()) {
            int out = 70; // two full panels of 32 and a partial one
            int in = 37;
            NDArray w = m.randomNormal(0, 0.1f, new Shape(out, in), DataType.FLOAT32);
            if (dtype.equals("float16")) {
                w = w.toType(DataType.FLOAT16, false);
            }
            float[] expected = w.toType(DataType.FLOAT32, false).toFloatArray();
            DecodeMatrix h = copy(kind, w);
            float[] row = new float[in + 3];
            for (int o : new int[] {0, 1, 31, 32, 45, 69}) {
                h.row(o, row, 3);
                for (int i = 0; i < in; i++) {
                    assertThat(row[3 + i]).as("W[%d][%d]", o, i).isEqualTo(expected[o * in + i]);
                }
            }
            assertThatThrownBy(() -> h.row(out, row, 0)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> h.row(0, row, 4)).isInstanceOf(IndexOutOfBoundsException.class);
            h.close();
        }
    }

    @Test
    void aClosedNativeCopyRefusesProductsAndClosingTwiceIsHarmless() {
        try (NDManager m = NDManager.newBaseManager()) {
            DecodeMatrix h = copy("native", m.ones(new Shape(40, 8)));
            float[] y = new float[40];
            h.multiply(new float[8], y, 1, Parallel.SHARED);
            h.close();
            h.close();
            assertThatThrownBy(() -> h.multiply(new float[8], y, 1, Parallel.SHARED))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        }
    }

    @Test
    void closingWhileAnotherThreadMultipliesWaitsForItsProduct() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            int in = 2048;
            int out = 4096;
            NDArray w = m.randomNormal(0, 0.1f, new Shape(out, in), DataType.FLOAT32);
            float[] expected = Linear.linear(m.ones(new Shape(1, in)), w, null).singletonOrThrow().toFloatArray();
            for (int round = 0; round < 20; round++) {
                DecodeMatrix h = copy("native", w);
                float[] x = filled(in, 1f);
                float[] y = new float[out];
                Thread t = new Thread(() -> {
                    try {
                        h.multiply(x, y, 1, Parallel.SHARED);
                    } catch (IllegalStateException closedFirst) {
                        y[out - 1] = expected[out - 1]; // closed before it started: refused, nothing read
                    }
                });
                t.start();
                h.close(); // frees only after a running product returns (else this would crash the JVM)
                t.join();
                assertThat(y[out - 1]).isCloseTo(expected[out - 1], within(1e-3f));
            }
        }
    }

    private static void check(NDManager m, NDArray w, DecodeMatrix h, int batch, float tolerance) {
        int out = (int) w.getShape().get(0);
        int in = (int) w.getShape().get(1);
        NDArray x = m.randomNormal(0, 1, new Shape(batch, in), DataType.FLOAT32);
        float[] expected = Linear.linear(x, w, null).singletonOrThrow().toFloatArray();
        float[] ys = new float[batch * out];
        java.util.Arrays.fill(ys, 42); // overwritten, not accumulated
        assertThat(h.out()).isEqualTo(out);
        h.multiply(x.toFloatArray(), ys, batch, Parallel.SHARED);
        for (int i = 0; i < ys.length; i++) {
            assertThat(ys[i]).as("row %d output %d", i / out, i % out).isCloseTo(expected[i], within(tolerance));
        }
        h.close();
    }

    private static float[] random(Random r, int n) {
        float[] x = new float[n];
        for (int j = 0; j < n; j++) {
            x[j] = r.nextFloat();
        }
        return x;
    }

    private static float[] filled(int n, float v) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, v);
        return a;
    }
}
