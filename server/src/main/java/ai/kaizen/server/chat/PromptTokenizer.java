package ai.kaizen.server.chat;

import ai.kaizen.model.tokenizer.ChatMessage;
import ai.kaizen.model.tokenizer.Tokenizer;

import java.util.List;

/**
 * What fitting a conversation into the context window needs from a model's tokenizer; an interface so that tests
 * can count what gets tokenized.
 */
public interface PromptTokenizer {

    /** The tokens of a message's text alone (no special tokens added). */
    int[] encode(String text);

    /** The text of {@code ids[from, to)}, special tokens left out. */
    String decode(int[] ids, int from, int to);

    /** The conversation rendered with the chat template, an assistant turn opened for the answer, tokenized. */
    int[] encodeChat(List<ChatMessage> messages);

    static PromptTokenizer of(Tokenizer tokenizer) {
        return new PromptTokenizer() {
            @Override
            public int[] encode(String text) {
                return tokenizer.encode(text, false);
            }

            @Override
            public String decode(int[] ids, int from, int to) {
                return tokenizer.decode(ids, from, to, true);
            }

            @Override
            public int[] encodeChat(List<ChatMessage> messages) {
                return tokenizer.encodeChat(messages, true);
            }
        };
    }
}
