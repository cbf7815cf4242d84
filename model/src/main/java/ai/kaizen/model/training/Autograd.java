package ai.kaizen.model.training;

import ai.djl.pytorch.jni.JniUtils;
import java.util.function.Supplier;

/**
 * PyTorch's autograd recording is a per-thread switch, and a new thread starts with it on; DJL turns it off only on
 * the thread that started its engine, and a gradient collector puts back whatever it found. Kaizen's convention is
 * "off outside a gradient collector": weights are updated, restored and merged in place, which PyTorch refuses on
 * leaves that require gradients while recording ("a leaf Variable that requires grad is being used in an in-place
 * operation"). Trainers call {@link #offOutsideCollectors} on the thread they train on, whichever it is.
 */
public final class Autograd {

    private Autograd() {
    }

    /** Turns recording off on this thread (gradient collectors turn it on for their own scope). */
    public static void offOutsideCollectors() {
        JniUtils.setGradMode(false);
    }

    /**
     * Runs {@code work} with recording off on this thread, then puts back what was there: a forward pass inside a
     * gradient collector whose result must carry no gradient (PyTorch's {@code torch.no_grad()}), at the cost of a
     * plain forward pass and with no graph kept.
     *
     * @param work the computation
     * @param <T> its result
     * @return its result
     */
    public static <T> T withoutRecording(Supplier<T> work) {
        boolean recording = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            return work.get();
        } finally {
            JniUtils.setGradMode(recording);
        }
    }
}
