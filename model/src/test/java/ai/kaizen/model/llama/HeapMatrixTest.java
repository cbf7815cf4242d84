package ai.kaizen.model.llama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HeapMatrixTest {

    @org.junit.jupiter.api.Test
    void concurrentCallersGetTheirOwnResults() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            int in = 512;
            int out = 700;
            NDArray w = m.randomNormal(0, 0.1f, new Shape(out, in), DataType.FLOAT32);
            HeapMatrix h = HeapMatrix.of(w);
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
            try {
                java.util.List<java.util.concurrent.Future<Boolean>> checks = new java.util.ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    final int seed = t;
                    checks.add(pool.submit(() -> {
                        java.util.Random r = new java.util.Random(seed);
                        float[][] x = new float[2][in];
                        for (float[] row : x) {
                            for (int j = 0; j < in; j++) {
                                row[j] = r.nextFloat();
                            }
                        }
                        float[][] first = new float[2][out];
                        h.multiply(x, first, Parallel.SHARED);
                        for (int rep = 0; rep < 50; rep++) {
                            float[][] again = new float[2][out];
                            h.multiply(x, again, Parallel.SHARED);
                            for (int b = 0; b < 2; b++) {
                                for (int o = 0; o < out; o++) {
                                    if (again[b][o] != first[b][o]) { // deterministic whatever thread ran which part
                                        return false;
                                    }
                                }
                            }
                        }
                        return true;
                    }));
                }
                for (java.util.concurrent.Future<Boolean> c : checks) {
                    assertThat(c.get()).isTrue();
                }
            } finally {
                pool.shutdown();
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"1, 7, 5", "1, 300, 517", "3, 301, 64", "8, 1030, 259", "16, 64, 2000"})
    void multipliesLikePyTorch(int batch, int in, int out) {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray w = m.randomNormal(0, 0.1f, new Shape(out, in), DataType.FLOAT32);
            NDArray x = m.randomNormal(0, 1, new Shape(batch, in), DataType.FLOAT32);
            float[] expected = Linear.linear(x, w, null).singletonOrThrow().toFloatArray();
            float[] flat = x.toFloatArray();
            float[][] xs = new float[batch][];
            float[][] ys = new float[batch][out];
            for (int b = 0; b < batch; b++) {
                xs[b] = java.util.Arrays.copyOfRange(flat, b * in, (b + 1) * in);
                ys[b][0] = 42; // overwritten, not accumulated
            }
            HeapMatrix h = HeapMatrix.of(w);
            assertThat(h.bytes()).isEqualTo(4L * in * out);
            h.multiply(xs, ys, Parallel.SHARED);
            for (int b = 0; b < batch; b++) {
                for (int o = 0; o < out; o++) {
                    assertThat(ys[b][o]).isCloseTo(expected[b * out + o], within(1e-4f));
                }
            }
        }
    }
}
