package ai.kaizen.model.llama;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Opt-in counters for benchmarks: how many native arrays (each one JNI call to create and one to
 * free) a decode step creates. Off by default; counting costs a walk over the step's arrays.
 */
public final class Diagnostics {

    private static volatile boolean enabled;
    private static final AtomicLong LAST_STEP_ARRAYS = new AtomicLong();
    private static final AtomicLong KERNEL_NANOS = new AtomicLong();
    private static final AtomicLong ATTENTION_NANOS = new AtomicLong();
    private static final AtomicLong ACTIVATION_NANOS = new AtomicLong();

    private Diagnostics() {}

    /** @param on whether to count */
    public static void enable(boolean on) {
        enabled = on;
    }

    /** @return whether counting is on */
    public static boolean enabled() {
        return enabled;
    }

    static void recordArrays(long n) {
        LAST_STEP_ARRAYS.set(n);
    }

    static void addKernelNanos(long n) {
        KERNEL_NANOS.addAndGet(n);
    }

    static void addAttentionNanos(long n) {
        ATTENTION_NANOS.addAndGet(n);
    }

    static void addActivationNanos(long n) {
        ACTIVATION_NANOS.addAndGet(n);
    }

    /**
     * Returns and resets the time {@code JavaDecoder} spent in attention (RoPE, cache writes,
     * scores, softmax, weighted values), while enabled.
     *
     * @return nanoseconds since the last call
     */
    public static long takeAttentionNanos() {
        return ATTENTION_NANOS.getAndSet(0);
    }

    /**
     * Returns and resets the time {@code JavaDecoder} spent in SiLU(gate) * up, while enabled.
     *
     * @return nanoseconds since the last call
     */
    public static long takeActivationNanos() {
        return ACTIVATION_NANOS.getAndSet(0);
    }

    /**
     * Returns and resets the time spent in the Java decode kernel (while enabled).
     *
     * @return nanoseconds since the last call
     */
    public static long takeKernelNanos() {
        return KERNEL_NANOS.getAndSet(0);
    }

    /** @return native arrays created by the last {@code nextTokenLogits} call (while enabled) */
    public static long lastStepArrays() {
        return LAST_STEP_ARRAYS.get();
    }
}
