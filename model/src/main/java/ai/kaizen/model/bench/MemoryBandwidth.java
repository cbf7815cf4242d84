package ai.kaizen.model.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.kaizen.model.llama.NativeBandwidthProbe;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Measures memory read bandwidth three ways, so that decode speed can be compared with the bound
 * it cannot beat (weight bytes per step / bandwidth); the bound takes the highest:
 *
 * <ul>
 *   <li>Java heap: one thread per core summing its own slice of a 512 MiB {@code long[]} (C2
 *       vectorises long-sum reductions, so this is memory-bound, not compute-bound), no JNI;
 *   <li>PyTorch summing a 512 MiB float array;
 *   <li>native: vector loads over 512 MiB of the memory the native decode kernels keep their
 *       weights in ({@link NativeBandwidthProbe}; 2 MiB pages where Linux gives them, which read
 *       5-20% faster than the 4 KiB pages of the other two on this project's machines).
 * </ul>
 *
 * <p>The buffers are allocated once, so that passes can be interleaved with the work they bound:
 * on a shared machine the bandwidth changes by a third from one second to the next.
 */
public final class MemoryBandwidth implements AutoCloseable {

    private static final int BYTES = 512 << 20;

    /**
     * What the measures read, GB/s (10^9 bytes per second).
     *
     * @param javaHeap the Java heap measure
     * @param pytorch the PyTorch measure
     * @param nativeMemory the native measure, NaN without native kernels
     */
    public record Probes(double javaHeap, double pytorch, double nativeMemory) {

        /** @return the highest measure */
        public double best() {
            return Double.isNaN(nativeMemory) ? Math.max(javaHeap, pytorch)
                    : Math.max(nativeMemory, Math.max(javaHeap, pytorch));
        }

        /** @return each measure's higher value of this and {@code other} */
        public Probes max(Probes other) {
            return new Probes(Math.max(javaHeap, other.javaHeap), Math.max(pytorch, other.pytorch),
                    Math.max(nativeMemory, other.nativeMemory));
        }
    }

    private final int threads = Runtime.getRuntime().availableProcessors();
    private final long[] heap = new long[BYTES / 8];
    private final ExecutorService pool = Executors.newFixedThreadPool(threads);
    private final NDManager scratch;
    private final NDArray floats;
    private final NativeBandwidthProbe nativeProbe;
    private long sink;

    private MemoryBandwidth(NDManager manager) {
        for (int i = 0; i < heap.length; i++) {
            heap[i] = i;
        }
        scratch = manager.newSubManager();
        floats = scratch.ones(new Shape(BYTES / 4), DataType.FLOAT32);
        nativeProbe = NativeBandwidthProbe.open(BYTES);
        pass(); // compiles the Java measure's loop and faults every buffer in
    }

    /**
     * Allocates the measures' buffers (1.5 GiB in all).
     *
     * @param manager where PyTorch's buffer goes
     * @return the measures, to be closed
     */
    public static MemoryBandwidth open(NDManager manager) {
        return new MemoryBandwidth(manager);
    }

    /**
     * @param passes passes of each measure
     * @return each measure's best pass
     */
    public Probes best(int passes) {
        Probes best = pass();
        for (int i = 1; i < passes; i++) {
            best = best.max(pass());
        }
        return best;
    }

    /** @return one pass of each measure */
    public Probes pass() {
        return new Probes(javaPass(), torchPass(), nativeProbe == null ? Double.NaN : nativeProbe.pass());
    }

    private double javaPass() {
        long t0 = System.nanoTime();
        List<Future<Long>> parts = new ArrayList<>();
        int slice = heap.length / threads;
        for (int t = 0; t < threads; t++) {
            int from = t * slice;
            int to = t == threads - 1 ? heap.length : from + slice;
            parts.add(pool.submit(() -> sum(heap, from, to)));
        }
        try {
            for (Future<Long> f : parts) {
                sink += f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
        return (double) BYTES / (System.nanoTime() - t0);
    }

    private static long sum(long[] a, int from, int to) {
        long s = 0;
        for (int i = from; i < to; i++) {
            s += a[i];
        }
        return s;
    }

    private double torchPass() {
        long t0 = System.nanoTime();
        try (NDArray s = floats.sum()) {
            s.getFloat();
        }
        return (double) BYTES / (System.nanoTime() - t0);
    }

    @Override
    public void close() {
        pool.shutdownNow();
        scratch.close();
        if (nativeProbe != null) {
            nativeProbe.close();
        }
    }
}
