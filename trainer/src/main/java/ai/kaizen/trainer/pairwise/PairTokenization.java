package ai.kaizen.trainer.pairwise;

import ai.kaizen.model.tokenizer.ChatMessage;
import ai.kaizen.model.tokenizer.Tokenizer;
import ai.kaizen.trainer.dataset.PreferenceExample;
import ai.kaizen.trainer.training.ChatTokenization;
import ai.kaizen.trainer.training.TokenizedExample;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Renders preference pairs with the chat template ({@link ChatTokenization} finds the answer's
 * tokens) and truncates them as TRL does: the prompt keeps its last {@code maxPromptLength}
 * tokens ({@code truncation_mode="keep_end"}: the latest turns matter most), then the whole
 * sequence is cut at the end to {@code maxLength}.
 */
public final class PairTokenization {

    private static final Logger LOG = LoggerFactory.getLogger(PairTokenization.class);

    private final ChatTokenization chat;
    private final int maxLength;
    private final int maxPromptLength;

    /**
     * @param tokenizer the model's tokenizer and chat template
     * @param maxLength most tokens per sequence
     * @param maxPromptLength most prompt tokens (at least {@code maxLength} disables prompt truncation)
     */
    public PairTokenization(Tokenizer tokenizer, int maxLength, int maxPromptLength) {
        this.chat = new ChatTokenization(tokenizer, Integer.MAX_VALUE);
        this.maxLength = maxLength;
        this.maxPromptLength = maxPromptLength;
    }

    /**
     * @param prompt the conversation before the answer
     * @param answer the assistant's answer
     * @return the tokens, truncated, with the answer marked
     */
    public TokenizedExample tokenize(List<ChatMessage> prompt, String answer) {
        List<ChatMessage> messages = new ArrayList<>(prompt);
        messages.add(ChatMessage.assistant(answer));
        TokenizedExample full = chat.tokenize(messages);
        int[] ids = full.ids();
        boolean[] answerMask = full.assistant();
        int promptEnd = 0;
        while (promptEnd < ids.length && !answerMask[promptEnd]) {
            promptEnd++;
        }
        int drop = Math.max(0, promptEnd - maxPromptLength);
        int end = Math.min(ids.length, drop + maxLength);
        return new TokenizedExample(Arrays.copyOfRange(ids, drop, end), Arrays.copyOfRange(answerMask, drop, end));
    }

    /**
     * Tokenises pairs, dropping those where either answer has no token left after truncation.
     *
     * @param examples the pairs
     * @return the tokenised pairs, in order
     */
    public List<TokenizedPair> tokenize(List<PreferenceExample> examples) {
        List<TokenizedPair> out = new ArrayList<>(examples.size());
        for (PreferenceExample e : examples) {
            TokenizedPair pair = new TokenizedPair(tokenize(e.prompt(), e.chosen()), tokenize(e.prompt(),
                    e.rejected()), e.margin());
            if (pair.chosen().targetCount() > 0 && pair.rejected().targetCount() > 0) {
                out.add(pair);
            }
        }
        if (out.size() < examples.size()) {
            LOG.warn("{} of {} pairs have an answer with no token within max_length={} and are skipped",
                    examples.size() - out.size(), examples.size(), maxLength);
        }
        return out;
    }
}
