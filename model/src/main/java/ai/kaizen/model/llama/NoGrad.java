package ai.kaizen.model.llama;

import ai.djl.pytorch.jni.JniUtils;

/**
 * Turns PyTorch's (thread-local) autograd recording off for a block, so inference never builds
 * a graph even when some weights require gradients (a LoRA model generating PPO rollouts).
 */
final class NoGrad implements AutoCloseable {

    private final boolean previous;

    NoGrad() {
        previous = JniUtils.isGradMode();
        if (previous) {
            JniUtils.setGradMode(false);
        }
    }

    /** Does nothing; lets a try-with-resources body mention the guard (no unused-resource warning). */
    void keepAlive() {
        // intentionally empty
    }

    @Override
    public void close() {
        if (previous) {
            JniUtils.setGradMode(true);
        }
    }
}
