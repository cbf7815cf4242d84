package ai.kaizen.trainer.training;

import ai.kaizen.model.tokenizer.ChatMessage;
import ai.kaizen.model.tokenizer.Tokenizer;
import ai.kaizen.trainer.dataset.SftExample;
import java.util.Arrays;
import java.util.List;

/**
 * Renders an SFT conversation with the model's chat template and marks the tokens of its assistant
 * turns, the only ones the loss is computed on (TRL's {@code assistant_only_loss}).
 *
 * <h2>Finding the assistant turns</h2>
 *
 * Templates do not say where a turn starts in tokens, and few carry TRL's {@code {% generation %}}
 * markers. So for each assistant message {@code i}, two prefixes of the conversation are rendered
 * and tokenised like the whole:
 *
 * <ul>
 *   <li>{@code messages[0, i)} with the generation prompt: what the model sees before it starts
 *       answering; the turn starts where this ends;
 *   <li>{@code messages[0, i]} without it: the turn ends where this ends, so the template's
 *       end-of-turn marker ({@code <|im_end|>}, {@code <|eot_id|>}, EOS) is a target too, and the
 *       model learns to stop.
 * </ul>
 *
 * Each boundary is the length of the longest common token prefix of that rendering and the whole
 * conversation: when a template renders a prefix exactly as it renders the start of the whole
 * (ChatML, Llama 3, SmolLM, stories260K's fallback) this is the prefix's length; when it does not
 * (a template that drops earlier reasoning, or a tokenizer merging tokens across the boundary) the
 * span shrinks to the part both agree on instead of marking system or user text. Comparing tokens
 * rather than characters keeps boundaries exact under BPE. The cost is two extra renderings per
 * assistant turn, paid once per example before training.
 *
 * <p>Long examples are cut at the end to the maximum length (TRL's {@code truncation_mode =
 * "keep_start"}); an example left with no assistant token contributes nothing and is dropped by
 * the trainer.
 */
public final class ChatTokenization {

    private final Tokenizer tokenizer;
    private final int maxLength;

    /**
     * @param tokenizer the model's tokenizer and chat template
     * @param maxLength most tokens per example
     */
    public ChatTokenization(Tokenizer tokenizer, int maxLength) {
        this.tokenizer = tokenizer;
        this.maxLength = maxLength;
    }

    /**
     * @param example a conversation ending with an assistant turn
     * @return its tokens and assistant mask, truncated to the maximum length
     */
    public TokenizedExample tokenize(SftExample example) {
        return tokenize(example.messages());
    }

    /**
     * @param messages a conversation
     * @return its tokens and assistant mask, truncated to the maximum length
     */
    public TokenizedExample tokenize(List<ChatMessage> messages) {
        int[] ids = tokenizer.encodeChat(messages, false);
        boolean[] assistant = new boolean[ids.length];
        for (int i = 0; i < messages.size(); i++) {
            if (!"assistant".equals(messages.get(i).role())) {
                continue;
            }
            int start = commonPrefix(tokenizer.encodeChat(messages.subList(0, i), true), ids);
            int end = commonPrefix(tokenizer.encodeChat(messages.subList(0, i + 1), false), ids);
            for (int t = start; t < end; t++) {
                assistant[t] = true;
            }
        }
        int n = Math.min(ids.length, maxLength);
        return new TokenizedExample(Arrays.copyOf(ids, n), Arrays.copyOf(assistant, n));
    }

    /** @return the length of the longest common prefix of a and b */
    static int commonPrefix(int[] a, int[] b) {
        int n = Math.min(a.length, b.length);
        int i = 0;
        while (i < n && a[i] == b[i]) {
            i++;
        }
        return i;
    }
}
