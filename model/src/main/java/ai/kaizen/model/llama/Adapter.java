package ai.kaizen.model.llama;

import ai.djl.ndarray.NDArray;

/**
 * A trainable correction added to the output of one projection (one part of a fused projection),
 * such as a LoRA adapter: {@code y = x W^T + b + adapter(x)}.
 */
public interface Adapter {

    /**
     * Computes the correction for an input.
     *
     * @param x the projection input, (..., inFeatures)
     * @param training whether the model runs in training mode (enables dropout)
     * @return the correction, (..., outFeatures of the adapted part)
     */
    NDArray apply(NDArray x, boolean training);
}
