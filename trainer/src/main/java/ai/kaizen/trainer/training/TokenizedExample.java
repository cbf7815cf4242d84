package ai.kaizen.trainer.training;

/**
 * One SFT example as tokens, ready for batching.
 *
 * @param ids the rendered conversation's token ids (truncated to the maximum length)
 * @param assistant for each token, whether it belongs to an assistant turn (and so is a target of
 *     the loss); the {@code -100} labels of transformers, as a mask
 */
public record TokenizedExample(int[] ids, boolean[] assistant) {

    /** Validates. */
    public TokenizedExample {
        if (ids.length != assistant.length) {
            throw new IllegalArgumentException("ids and mask differ in length");
        }
    }

    /** @return the number of tokens */
    public int length() {
        return ids.length;
    }

    /**
     * @return the number of tokens the loss is computed on: assistant tokens that have a token
     *     before them (the first token of a sequence is never predicted)
     */
    public int targetCount() {
        int n = 0;
        for (int i = 1; i < assistant.length; i++) {
            if (assistant[i]) {
                n++;
            }
        }
        return n;
    }
}
