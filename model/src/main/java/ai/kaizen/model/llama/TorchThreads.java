package ai.kaizen.model.llama;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/**
 * PyTorch's intra-op thread count, which is global to the process.
 *
 * <p>For inference, one PyTorch thread is best: decode parallelism comes from the decode kernels
 * ({@link DecodeMatrix}) and prefill splits its products across {@link Parallel}'s workers, which
 * both hand out work dynamically. PyTorch's OpenMP threads instead wait for each other at the end
 * of every parallel operation, and when another process takes a core (the database, a build) a
 * decode step measured 5 to 8 times slower with two PyTorch threads than with one. Training keeps
 * PyTorch's default (one thread per core), which large matrix products need.
 */
public final class TorchThreads {

    /** System property that overrides the thread count chosen by {@link #forInference()}. */
    public static final String PROPERTY = "kaizen.torch.threads";

    private TorchThreads() {}

    /** Sets one intra-op thread (or the {@value #PROPERTY} system property's value). */
    public static void forInference() {
        set(Integer.getInteger(PROPERTY, 1));
    }

    /**
     * Sets the intra-op thread count.
     *
     * @param threads threads per operation
     */
    public static void set(int threads) {
        Engine.getInstance(); // loads the native library
        if (JniUtils.getNumThreads() != threads) {
            JniUtils.setNumThreads(threads);
        }
    }

    /** @return the current intra-op thread count */
    public static int get() {
        Engine.getInstance();
        return JniUtils.getNumThreads();
    }
}
