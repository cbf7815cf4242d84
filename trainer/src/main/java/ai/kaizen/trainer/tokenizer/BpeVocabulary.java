package ai.kaizen.trainer.tokenizer;

import java.util.List;

/**
 * A trained byte-level BPE vocabulary, ids in list order: the special tokens, the 256 byte symbols,
 * the merged tokens, then the added (whole, non-special) tokens such as placeholders.
 *
 * @param specialTokens control tokens ({@code <|endoftext|>}, {@code <|im_start|>}, ...), ids from 0
 * @param tokens the BPE model's tokens (byte symbols, then merge results), ids after the specials
 * @param merges the merges in rank order, each two tokens
 * @param addedTokens texts always kept as one token (never split by BPE), ids after {@link #tokens}
 */
public record BpeVocabulary(List<String> specialTokens, List<String> tokens, List<Merge> merges,
        List<String> addedTokens) {

    /** One BPE merge: the left and right token joined into one. */
    public record Merge(String left, String right) {
        /** @return the merged token */
        public String result() {
            return left + right;
        }
    }

    /** Copies. */
    public BpeVocabulary {
        specialTokens = List.copyOf(specialTokens);
        tokens = List.copyOf(tokens);
        merges = List.copyOf(merges);
        addedTokens = List.copyOf(addedTokens);
    }

    /** @return all tokens, specials and added ones included */
    public int size() {
        return specialTokens.size() + tokens.size() + addedTokens.size();
    }

    /**
     * @param special a special token
     * @return its id
     */
    public int specialId(String special) {
        int i = specialTokens.indexOf(special);
        if (i < 0) {
            throw new IllegalArgumentException("not a special token: " + special);
        }
        return i;
    }
}
