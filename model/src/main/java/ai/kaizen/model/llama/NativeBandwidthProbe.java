package ai.kaizen.model.llama;

/**
 * Memory read bandwidth as the native decode kernels can reach it: every thread of {@link
 * Parallel#SHARED} sums slices of a buffer allocated like the kernels' weights (2 MiB aligned, on
 * transparent huge pages where Linux gives them), with vector loads. The kernels are thus
 * measured against memory of the same kind they read.
 */
public final class NativeBandwidthProbe implements AutoCloseable {

    /** Slices per pass, claimed dynamically, so that a thread starting late delays the pass little. */
    private static final int PARTS = 8;

    private final long handle;
    private final long floats;
    private final float[] sums = new float[PARTS];
    private boolean closed;

    private NativeBandwidthProbe(long handle, long floats) {
        this.handle = handle;
        this.floats = floats;
    }

    /**
     * @param bytes buffer size (far larger than the last-level cache)
     * @return the probe, or null without native kernels or when the buffer cannot be had
     */
    public static NativeBandwidthProbe open(long bytes) {
        if (!NativeKernels.available()) {
            return null;
        }
        long floats = bytes / 4;
        long handle = NativeKernels.allocateProbe(floats);
        return handle == 0 ? null : new NativeBandwidthProbe(handle, floats);
    }

    /** @return GB/s (10^9 bytes per second) of one pass over the buffer */
    public synchronized double pass() {
        if (closed) {
            throw new IllegalStateException("probe closed");
        }
        long t0 = System.nanoTime();
        Parallel.SHARED.run(PARTS, (slot, p) -> sums[p] =
                NativeKernels.sumProbe(handle, floats * p / PARTS, floats * (p + 1) / PARTS));
        return floats * 4.0 / (System.nanoTime() - t0);
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            NativeKernels.releaseProbe(handle);
        }
    }
}
