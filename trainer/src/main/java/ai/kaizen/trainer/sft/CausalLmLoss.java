package ai.kaizen.trainer.sft;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.kaizen.trainer.training.Batch;

/**
 * Next-token cross-entropy restricted to assistant tokens: the logits at position {@code t} are
 * scored against token {@code t + 1}, and only positions whose target is an assistant token count.
 */
public final class CausalLmLoss {

    private CausalLmLoss() {}

    /**
     * The negative log-likelihood of the batch's target tokens, each weighted by
     * {@link Batch#targetWeights()}: with 0/1 weights a sum; with weights of {@code 1/n}
     * ({@link Batch#withWeightsDividedBy}) the mean over {@code n} tokens. The trainer divides by
     * the target tokens of the whole accumulation window, so that an accumulated update equals one
     * large batch (transformers' {@code num_items_in_batch}).
     *
     * @param logits (B, T, vocab) logits of the batch
     * @param batch the batch
     * @return a scalar float32 array (differentiable)
     */
    public static NDArray summedNll(NDArray logits, Batch batch) {
        NDArray shifted = logits.get(new NDIndex(":, :-1, :")); // (B, T-1, V): predictions
        if (shifted.getDataType() != DataType.FLOAT32) {
            shifted = shifted.toType(DataType.FLOAT32, false); // log-softmax in float32 even for float16 weights
        }
        NDArray targets = batch.inputIds().get(new NDIndex(":, 1:")).expandDims(2); // (B, T-1, 1)
        NDArray logProbs = shifted.logSoftmax(2).gather(targets, 2).squeeze(2); // (B, T-1)
        return logProbs.mul(batch.targetWeights()).sum().neg();
    }
}
