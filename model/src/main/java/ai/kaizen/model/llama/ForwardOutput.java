package ai.kaizen.model.llama;

import ai.djl.ndarray.NDArray;

/**
 * The result of a full-sequence forward pass. Both arrays are attached to the manager of the
 * input ids; closing this closes them.
 *
 * @param logits (B, T, vocab), or {@code null} when only hidden states were requested
 * @param hidden (B, T, hidden) final hidden states (after the last RMSNorm)
 */
public record ForwardOutput(NDArray logits, NDArray hidden) implements AutoCloseable {

    @Override
    public void close() {
        if (logits != null) {
            logits.close();
        }
        hidden.close();
    }
}
