package ai.kaizen.model.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Measures sustainable memory read bandwidth two ways, so that decode speed can be compared with
 * the bound it cannot beat (weight bytes per step / bandwidth):
 *
 * <ul>
 *   <li>{@link #javaGbPerSecond}: one thread per core summing its own slice of a 512 MiB
 *       {@code long[]} (C2 vectorises long-sum reductions, so this is memory-bound, not
 *       compute-bound), no JNI involved;
 *   <li>{@link #ndArrayGbPerSecond}: PyTorch summing a 512 MiB float array.
 * </ul>
 *
 * Each is the best of several passes over an array far larger than the last-level cache.
 */
public final class MemoryBandwidth {

    private static final int BYTES = 512 << 20;

    private MemoryBandwidth() {}

    /**
     * @param threads reader threads (usually the core count)
     * @return GB/s (10^9 bytes per second)
     */
    public static double javaGbPerSecond(int threads) {
        long[] data = new long[BYTES / 8];
        for (int i = 0; i < data.length; i++) {
            data[i] = i;
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            double best = 0;
            long sink = 0;
            for (int pass = 0; pass < 6; pass++) {
                long t0 = System.nanoTime();
                List<Future<Long>> parts = new ArrayList<>();
                int slice = data.length / threads;
                for (int t = 0; t < threads; t++) {
                    int from = t * slice;
                    int to = t == threads - 1 ? data.length : from + slice;
                    parts.add(pool.submit(() -> sum(data, from, to)));
                }
                for (Future<Long> f : parts) {
                    sink += f.get();
                }
                long dt = System.nanoTime() - t0;
                best = Math.max(best, (double) BYTES / dt);
            }
            if (sink == 42) {
                System.out.print("");
            }
            return best;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        } finally {
            pool.shutdownNow();
        }
    }

    private static long sum(long[] a, int from, int to) {
        long s = 0;
        for (int i = from; i < to; i++) {
            s += a[i];
        }
        return s;
    }

    /**
     * @param manager where to allocate the scratch array
     * @return GB/s of a PyTorch sum over 512 MiB
     */
    public static double ndArrayGbPerSecond(NDManager manager) {
        try (NDManager m = manager.newSubManager()) {
            NDArray big = m.ones(new Shape(BYTES / 4), DataType.FLOAT32);
            double best = 0;
            for (int pass = 0; pass < 6; pass++) {
                long t0 = System.nanoTime();
                try (NDArray s = big.sum()) {
                    s.getFloat();
                }
                best = Math.max(best, (double) BYTES / (System.nanoTime() - t0));
            }
            return best;
        }
    }
}
