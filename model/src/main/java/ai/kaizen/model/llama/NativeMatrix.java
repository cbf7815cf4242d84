package ai.kaizen.model.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A weight matrix packed into native memory for the native decode kernel ({@link NativeKernels}).
 * Float32 weights stay float32 and float16 weights stay float16 (widened in registers), so a
 * float16 model streams half the bytes per step; an int8 copy ({@link Int8Blocks}) streams a bit
 * over a quarter of float32's.
 *
 * <p>The memory is freed by {@link #close()} once no product is running on it (a model closing
 * while another thread decodes must not free weights under its feet), or, for a copy dropped
 * without closing (its weights changed), when the copy is collected.
 */
final class NativeMatrix implements DecodeMatrix {

    private static final Cleaner CLEANER = Cleaner.create();
    /** Outputs per panel, the unit the native kernel splits work by. */
    private static final int PANEL = 32;
    /** Weight rows copied per transfer from the native tensor (bounds the temporary copy). */
    private static final int COPY_ROWS = 256;
    /** Set in {@link #state} once closed; the low bits count products running. */
    private static final long CLOSED = 1L << 62;

    private final Memory memory;
    private final Cleaner.Cleanable cleanable;
    private final AtomicLong state = new AtomicLong();
    private final int in;
    private final int out;
    private final int panels;

    /** The native allocation, freed exactly once, by {@link #close()} or by the cleaner. */
    private static final class Memory implements Runnable {
        final long handle;
        final AtomicBoolean freed = new AtomicBoolean();

        Memory(long handle) {
            this.handle = handle;
        }

        @Override
        public void run() {
            if (freed.compareAndSet(false, true)) {
                NativeKernels.release(handle);
            }
        }
    }

    private NativeMatrix(long handle, int in, int out) {
        this.memory = new Memory(handle);
        this.cleanable = CLEANER.register(this, memory);
        this.in = in;
        this.out = out;
        this.panels = (out + PANEL - 1) / PANEL;
    }

    /**
     * Packs a weight as it is.
     *
     * @param w (out, in) float32 or float16 (anything else is widened to float32)
     * @return the native copy, or null when native memory cannot be had
     */
    static NativeMatrix of(NDArray w) {
        return of(w, false);
    }

    /**
     * Packs a weight.
     *
     * @param w (out, in) float32 or float16 (anything else is widened to float32)
     * @param int8 quantise it to int8 in blocks ({@link Int8Blocks}) instead of keeping its type
     * @return the native copy, or null when native memory cannot be had
     */
    static NativeMatrix of(NDArray w, boolean int8) {
        int out = (int) w.getShape().get(0);
        int in = (int) w.getShape().get(1);
        boolean half = !int8 && w.getDataType() == DataType.FLOAT16;
        long handle = NativeKernels.allocate(in, out,
                int8 ? NativeKernels.INT8 : half ? NativeKernels.FLOAT16 : NativeKernels.FLOAT32);
        if (handle == 0) {
            return null;
        }
        NativeMatrix m = new NativeMatrix(handle, in, out);
        for (int o0 = 0; o0 < out; o0 += COPY_ROWS) {
            int o1 = Math.min(out, o0 + COPY_ROWS);
            try (NDArray rows = w.get(new NDIndex("{}:{}", o0, o1))) {
                if (half) {
                    short[] bits = new short[(o1 - o0) * in];
                    rows.toByteBuffer().order(ByteOrder.nativeOrder()).asShortBuffer().get(bits);
                    NativeKernels.packHalves(handle, o0, bits, o1 - o0);
                } else if (int8) {
                    try (NDArray f = rows.toType(DataType.FLOAT32, false)) {
                        byte[] q = new byte[(o1 - o0) * in];
                        short[] scales = new short[(o1 - o0) * Int8Blocks.blocks(in)];
                        Int8Blocks.quantise(f.toFloatArray(), o1 - o0, in, q, scales);
                        NativeKernels.packInt8(handle, o0, q, scales, o1 - o0);
                    }
                } else {
                    try (NDArray f = rows.toType(DataType.FLOAT32, false)) {
                        NativeKernels.packFloats(handle, o0, f.toFloatArray(), o1 - o0);
                    }
                }
            }
        }
        return m;
    }

    @Override
    public int out() {
        return out;
    }

    @Override
    public void multiply(float[] x, float[] y, int rows, Parallel parallel) {
        // native code past an array's end would corrupt the heap, not throw
        if (rows < 0 || x.length < (long) rows * in || y.length < (long) rows * out) {
            throw new IllegalArgumentException("arrays too short for " + rows + " rows of " + in + " -> " + out);
        }
        acquire();
        try {
            long t0 = Diagnostics.enabled() ? System.nanoTime() : 0;
            long handle = memory.handle;
            // a few parts per thread, claimed dynamically, so that one descheduled thread delays
            // little; below ~64k multiply-adds a hand-off costs more than it saves
            int parts = Math.min(panels, 2 * parallel.threads());
            if ((long) in * out * rows < (1 << 16) || parts <= 1) {
                NativeKernels.multiply(handle, x, rows, y, 0, panels);
            } else {
                parallel.run(parts, (slot, p) -> NativeKernels.multiply(handle, x, rows, y,
                        (int) ((long) panels * p / parts), (int) ((long) panels * (p + 1) / parts)));
            }
            if (Diagnostics.enabled()) {
                Diagnostics.addKernelNanos(System.nanoTime() - t0);
            }
        } finally {
            release();
            Reference.reachabilityFence(this);
        }
    }

    @Override
    public void row(int o, float[] outArray, int offset) {
        // native code past an array's end would corrupt the heap, not throw
        java.util.Objects.checkIndex(o, out);
        java.util.Objects.checkFromIndexSize(offset, in, outArray.length);
        acquire();
        try {
            NativeKernels.row(memory.handle, o, outArray, offset);
        } finally {
            release();
            Reference.reachabilityFence(this);
        }
    }

    private void acquire() {
        long s;
        do {
            s = state.get();
            if ((s & CLOSED) != 0) {
                throw new IllegalStateException("the decode copy of this weight was closed (its model closed)");
            }
        } while (!state.compareAndSet(s, s + 1));
    }

    private void release() {
        if (state.decrementAndGet() == CLOSED) {
            cleanable.clean();
        }
    }

    @Override
    public void close() {
        long before = state.getAndUpdate(s -> s | CLOSED);
        if (before == 0) {
            cleanable.clean();
        }
    }
}
