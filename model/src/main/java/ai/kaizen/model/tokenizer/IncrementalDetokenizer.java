package ai.kaizen.model.tokenizer;

import java.util.Arrays;

/**
 * Turns a stream of token ids into a stream of text deltas, for streaming responses.
 *
 * <p>Decoding one token at a time is wrong twice over: byte-fallback tokens carry single UTF-8
 * bytes of a character, and SentencePiece decoders drop the leading space of whatever text they
 * decode first. So each step decodes a short window twice, the part already emitted and the same
 * part plus the new tokens, and emits the difference, but only once it no longer ends in U+FFFD
 * (an incomplete UTF-8 sequence). The window starts a few tokens into the given context, so the
 * first delta keeps its leading space: the concatenated deltas are the exact continuation of the
 * context. (This is the offset scheme of Hugging Face TGI and vLLM.)
 *
 * <p>Not thread-safe: one per sequence.
 */
public final class IncrementalDetokenizer {

    /** Context tokens kept before the generated ones. */
    private static final int CONTEXT_TOKENS = 6;

    private static final char REPLACEMENT = '\uFFFD';

    private final Tokenizer tokenizer;
    private int[] ids;
    private int size;
    private int prefixOffset;
    private int readOffset;
    private final StringBuilder text = new StringBuilder();

    IncrementalDetokenizer(Tokenizer tokenizer, int[] context) {
        this.tokenizer = tokenizer;
        int keep = context == null ? 0 : Math.min(CONTEXT_TOKENS, context.length);
        this.ids = new int[Math.max(16, keep * 2)];
        if (keep > 0) {
            System.arraycopy(context, context.length - keep, ids, 0, keep);
        }
        this.size = keep;
        this.prefixOffset = 0;
        this.readOffset = keep;
    }

    /**
     * Adds one token.
     *
     * @param id the token id
     * @return the text that became final with it, possibly empty
     */
    public String add(int id) {
        if (size == ids.length) {
            ids = Arrays.copyOf(ids, size * 2);
        }
        ids[size++] = id;
        return emit(false);
    }

    /**
     * Emits whatever is still held back (an incomplete character is emitted as U+FFFD). Call once
     * the sequence has ended.
     *
     * @return the remaining text, possibly empty
     */
    public String flush() {
        return emit(true);
    }

    /** @return all text emitted so far */
    public String text() {
        return text.toString();
    }

    private String emit(boolean force) {
        if (readOffset == size) {
            return "";
        }
        String prefix = tokenizer.decode(ids, prefixOffset, readOffset, true);
        String full = tokenizer.decode(ids, prefixOffset, size, true);
        boolean complete = full.isEmpty() || full.charAt(full.length() - 1) != REPLACEMENT;
        if (full.length() > prefix.length() && (complete || force)) {
            String delta = full.substring(prefix.length());
            prefixOffset = readOffset;
            readOffset = size;
            text.append(delta);
            return delta;
        }
        if (force) {
            prefixOffset = readOffset;
            readOffset = size;
        }
        return "";
    }
}
