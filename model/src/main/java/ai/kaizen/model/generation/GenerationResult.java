package ai.kaizen.model.generation;

/**
 * A finished sequence.
 *
 * @param promptIds the prompt tokens
 * @param tokenIds the generated tokens, the final end-of-sequence token included when there is one
 * @param logprobs for each generated token, {@code log softmax(logits / T)[token]} with the raw
 *     logits of the model, {@code T} the sampling temperature (1 for greedy), before repetition
 *     penalty and top-k/top-p truncation. This is the quantity PPO needs as "old log-probs" and
 *     recomputes from {@code LlamaModel.forward} under the same temperature.
 * @param text the decoded continuation of the prompt, special tokens and stop string excluded
 * @param finishReason why generation stopped
 */
public record GenerationResult(int[] promptIds, int[] tokenIds, float[] logprobs, String text,
        FinishReason finishReason) {

    /** @return prompt and generated ids in one array */
    public int[] allIds() {
        int[] all = new int[promptIds.length + tokenIds.length];
        System.arraycopy(promptIds, 0, all, 0, promptIds.length);
        System.arraycopy(tokenIds, 0, all, promptIds.length, tokenIds.length);
        return all;
    }

    /** @return the sum of the generated tokens' log-probabilities */
    public double totalLogprob() {
        double s = 0;
        for (float l : logprobs) {
            s += l;
        }
        return s;
    }
}
