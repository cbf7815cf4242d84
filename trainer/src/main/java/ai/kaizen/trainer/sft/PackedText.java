package ai.kaizen.trainer.sft;

import ai.kaizen.model.tokenizer.Tokenizer;
import ai.kaizen.trainer.training.TokenizedExample;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Plain text as causal-LM training examples (GPT-style pretraining): each document is tokenised
 * after a separator token, all documents are concatenated and cut into blocks of the context length,
 * and every token of a block is a target. Packing wastes no compute on padding; attention crossing
 * a document boundary is harmless because the separator tells the model a new text begins.
 */
public final class PackedText {

    private PackedText() {
    }

    /**
     * @param tokenizer the tokenizer (no special tokens are added to the text)
     * @param documents the texts, in the order they are packed
     * @param separatorId the token put before every document (an end-of-text token)
     * @param blockLength tokens per example
     * @return the blocks; the last may be shorter (it is dropped below two tokens)
     */
    public static List<TokenizedExample> pack(Tokenizer tokenizer, List<String> documents, int separatorId,
            int blockLength) {
        if (blockLength < 2) {
            throw new IllegalArgumentException("blocks need at least two tokens");
        }
        int[] stream = new int[1 << 16];
        int n = 0;
        for (String document : documents) {
            int[] ids = tokenizer.encode(document, false);
            if (n + ids.length + 1 > stream.length) {
                stream = Arrays.copyOf(stream, Math.max(stream.length * 2, n + ids.length + 1));
            }
            stream[n++] = separatorId;
            System.arraycopy(ids, 0, stream, n, ids.length);
            n += ids.length;
        }
        List<TokenizedExample> out = new ArrayList<>(n / blockLength + 1);
        for (int from = 0; from + 2 <= n; from += blockLength) {
            int[] block = Arrays.copyOfRange(stream, from, Math.min(n, from + blockLength));
            boolean[] targets = new boolean[block.length];
            Arrays.fill(targets, true);
            out.add(new TokenizedExample(block, targets));
        }
        return out;
    }
}
