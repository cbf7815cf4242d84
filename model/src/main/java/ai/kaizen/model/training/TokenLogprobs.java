package ai.kaizen.model.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.kaizen.model.llama.NativeArrays;

/**
 * Log-probabilities of given tokens under a model's logits, differentiable: the quantity SFT,
 * DPO and PPO losses are built from. Matches {@code GenerationResult.logprobs()} for the same
 * temperature, so PPO's ratio {@code exp(new - old)} starts at 1.
 */
public final class TokenLogprobs {

    private TokenLogprobs() {}

    /**
     * For each position {@code t}, the log-probability the model gave (at {@code t - 1}) to the
     * token at {@code t}: the logits are shifted so that position {@code t} of the result scores
     * {@code inputIds[:, t]}; position 0 has no prediction and is 0.
     *
     * @param logits (B, T, vocab) from {@code LlamaModel.forward}
     * @param inputIds (B, T) the same ids that were fed
     * @param temperature divides the logits first (1 for plain log-likelihood)
     * @return (B, T) float32 log-probabilities, attached to the logits' manager
     */
    public static NDArray ofInputs(NDArray logits, NDArray inputIds, double temperature) {
        // intermediates are freed on return; autograd keeps what backward needs
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray result = compute(logits, inputIds, temperature);
            NDScope.unregister(result);
            result.attach(logits.getManager());
            return result;
        }
    }

    private static NDArray compute(NDArray logits, NDArray inputIds, double temperature) {
        long t = logits.getShape().get(1);
        // native scalar and index copies: autograd keeps both for the backward pass (see NativeArrays)
        NDArray scaled = temperature == 1.0 ? logits
                : logits.div(NativeArrays.scalar(logits.getManager(), temperature, logits.getDataType()));
        NDArray logp = scaled.toType(DataType.FLOAT32, false).logSoftmax(2); // (B, T, V)
        NDArray predicting = logp.get(new NDIndex(":, :{}, :", t - 1)); // predictions for positions 1..T-1
        NDArray targets = NativeArrays.copyOf(inputIds.get(new NDIndex(":, 1:")).toType(DataType.INT64, false))
                .expandDims(2);
        NDArray picked = predicting.gather(targets, 2).squeeze(2); // (B, T-1)
        NDArray zero = picked.getManager().zeros(new ai.djl.ndarray.types.Shape(picked.getShape().get(0), 1),
                DataType.FLOAT32);
        return zero.concat(picked, 1);
    }
}
