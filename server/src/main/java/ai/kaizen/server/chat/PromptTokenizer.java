package ai.kaizen.server.chat;

import ai.kaizen.model.tokenizer.ChatMessage;
import ai.kaizen.model.tokenizer.Tokenizer;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

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

    /** What the chat template adds around messages: measured on each call, unless the implementation keeps it. */
    default ContextWindow.Markup markup() {
        return ContextWindow.Markup.measure(this);
    }

    /** {@code tokenizer}'s, whose template's markup is measured once (two renders) for all its prompts. */
    static PromptTokenizer of(Tokenizer tokenizer) {
        return new OfModel(tokenizer);
    }

    /** A model's tokenizer. */
    final class OfModel implements PromptTokenizer {

        /** Weak: a model swapped out takes its entry with it (the value holds no reference to the key). */
        private static final Map<Tokenizer, ContextWindow.Markup> MARKUPS =
                Collections.synchronizedMap(new WeakHashMap<>());

        private final Tokenizer tokenizer;

        private OfModel(Tokenizer tokenizer) {
            this.tokenizer = tokenizer;
        }

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

        @Override
        public ContextWindow.Markup markup() {
            return MARKUPS.computeIfAbsent(tokenizer, t -> ContextWindow.Markup.measure(this));
        }
    }
}
