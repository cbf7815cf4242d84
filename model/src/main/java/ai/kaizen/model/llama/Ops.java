package ai.kaizen.model.llama;

import ai.djl.ndarray.NDArray;

/** The few fused-by-hand operations the decoder needs that DJL does not provide. */
final class Ops {

    private Ops() {}

    /**
     * RMSNorm as in Hugging Face Llama: {@code x * (mean(x^2) + eps)^-1/2 * weight}.
     *
     * @param x (..., hidden)
     * @param weight (hidden)
     * @param eps epsilon as a scalar array of x's dtype (a constant, so no scalar is created per call)
     * @param minusHalf the scalar -0.5 of x's dtype
     * @return the normalised x
     */
    static NDArray rmsNorm(NDArray x, NDArray weight, NDArray eps, NDArray minusHalf) {
        NDArray variance = x.square().mean(new int[] {-1}, true);
        return x.mul(variance.add(eps).pow(minusHalf)).mul(weight);
    }

    /**
     * SiLU (swish with beta 1): {@code x * sigmoid(x)}.
     *
     * @param x any shape
     * @return silu(x)
     */
    static NDArray silu(NDArray x) {
        return x.mul(x.getNDArrayInternal().sigmoid());
    }
}
