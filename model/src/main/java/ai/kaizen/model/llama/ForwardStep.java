package ai.kaizen.model.llama;

import ai.djl.ndarray.NDArray;

/** What every layer of one forward pass shares: RoPE angles, the attention mask, the cache, constants. */
final class ForwardStep {

    final Rope rope;
    /** (B, T, heads + kvHeads, headDim), query heads pre-multiplied by 1/sqrt(headDim). */
    final NDArray cos;
    /** (B, T, heads + kvHeads, headDim), query heads pre-multiplied by 1/sqrt(headDim). */
    final NDArray sin;
    /** Additive mask, (B, 1, 1, T, S) for T &gt; 1, (B, 1, 1, S) for T == 1, or null. */
    final NDArray mask;
    /** The cache to read and extend, or null for a stand-alone full-sequence pass. */
    final KvCache cache;
    final boolean training;
    final NDArray eps;
    final NDArray minusHalf;
    /** How projections multiply. */
    final Projection.Kernel kernel;

    ForwardStep(Rope rope, NDArray cos, NDArray sin, NDArray mask, KvCache cache, boolean training, NDArray eps,
            NDArray minusHalf, Projection.Kernel kernel) {
        this.kernel = kernel;
        this.rope = rope;
        this.cos = cos;
        this.sin = sin;
        this.mask = mask;
        this.cache = cache;
        this.training = training;
        this.eps = eps;
        this.minusHalf = minusHalf;
    }
}
