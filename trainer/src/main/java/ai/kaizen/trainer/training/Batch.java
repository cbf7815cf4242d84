package ai.kaizen.trainer.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;

/**
 * A right-padded batch of tokenised examples, as arrays on the model's device.
 *
 * @param inputIds (B, T) int64 token ids, padding filled with id 0 (never a target, never attended)
 * @param attentionMask (B, T) int64, 1 for real tokens and 0 for padding
 * @param targetWeights (B, T - 1) float32, 1 where token {@code t + 1} is an assistant token to
 *     predict from position {@code t}, else 0 (the shifted labels)
 * @param targetTokens the sum of {@code targetWeights}
 * @param tokens real (unpadded) tokens in the batch
 */
public record Batch(NDArray inputIds, NDArray attentionMask, NDArray targetWeights, int targetTokens, int tokens) {

    /**
     * Pads examples on the right to the longest of them.
     *
     * @param examples at least one example, each of at least two tokens
     * @param manager the manager the arrays are attached to
     * @return the batch
     */
    public static Batch of(List<TokenizedExample> examples, NDManager manager) {
        int b = examples.size();
        int t = 0;
        for (TokenizedExample e : examples) {
            t = Math.max(t, e.length());
        }
        if (b == 0 || t < 2) {
            throw new IllegalArgumentException("a batch needs examples of at least two tokens");
        }
        long[] ids = new long[b * t];
        long[] mask = new long[b * t];
        float[] weights = new float[b * (t - 1)];
        int targets = 0;
        int tokens = 0;
        for (int row = 0; row < b; row++) {
            TokenizedExample e = examples.get(row);
            for (int i = 0; i < e.length(); i++) {
                ids[row * t + i] = e.ids()[i];
                mask[row * t + i] = 1;
                if (i > 0 && e.assistant()[i]) {
                    weights[row * (t - 1) + i - 1] = 1f;
                    targets++;
                }
            }
            tokens += e.length();
        }
        return new Batch(nativeCopy(manager, manager.create(ids, new Shape(b, t))),
                nativeCopy(manager, manager.create(mask, new Shape(b, t))),
                nativeCopy(manager, manager.create(weights, new Shape(b, t - 1))), targets, tokens);
    }

    /**
     * Returns a copy of the weights divided by a number of tokens, so that the summed loss becomes
     * a mean without a scalar operation in the autograd graph (see {@link #nativeCopy}).
     *
     * @param divisor the number of target tokens the loss is averaged over
     * @return the batch with scaled weights (the old weights array stays attached to its manager)
     */
    public Batch withWeightsDividedBy(int divisor) {
        NDManager manager = targetWeights.getManager();
        NDArray scaled = manager.create(targetWeights.getShape(), DataType.FLOAT32);
        scaled.set(new NDIndex("..."), targetWeights.div(divisor));
        return new Batch(inputIds, attentionMask, scaled, targetTokens, tokens);
    }

    /**
     * A copy in memory PyTorch allocates. DJL's {@code create(long[] / float[])} wraps a Java
     * direct buffer that the garbage collector may free while autograd still holds the tensor for
     * the backward pass (the gather index, the loss weights): the gradients then read freed memory.
     */
    static NDArray nativeCopy(NDManager manager, NDArray javaBacked) {
        NDArray copy = manager.create(javaBacked.getShape(), javaBacked.getDataType());
        copy.set(new NDIndex("..."), javaBacked);
        javaBacked.close();
        return copy;
    }
}
