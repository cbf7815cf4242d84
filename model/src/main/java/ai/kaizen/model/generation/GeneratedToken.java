package ai.kaizen.model.generation;

/**
 * One generated token, as passed to a {@link TokenListener} while it is produced.
 *
 * @param sequence index of the sequence in the batch (0 for single generation)
 * @param index position of the token among the generated ones (0 for the first)
 * @param tokenId the token id
 * @param logprob its log-probability under the model (see {@link GenerationResult#logprobs()})
 * @param text the text that became final with this token; possibly empty (an incomplete UTF-8
 *     character, a possible start of a stop string, a special token). Concatenated over a
 *     sequence it equals {@link GenerationResult#text()}.
 * @param finishReason why the sequence ended with this token, or {@code null} if it goes on
 */
public record GeneratedToken(int sequence, int index, int tokenId, float logprob, String text,
        FinishReason finishReason) {

    /** @return whether this is the sequence's last token */
    public boolean isLast() {
        return finishReason != null;
    }
}
