package ai.kaizen.server.chat;

import ai.kaizen.model.tokenizer.ChatMessage;

import java.util.List;

/**
 * The messages the model sees for the next answer (chosen by {@link ContextWindow}), and the room left for the
 * answer.
 *
 * @param messages   what the chat template rendered: the system prompt, the kept turns, the newest message
 * @param promptIds  the rendered prompt, tokenized
 * @param dropped    how many of the conversation's earlier messages were left out
 * @param cut        whether the newest message was too long and only its end was kept
 * @param answerRoom the most tokens the answer may have: the configured maximum, or what the context has left
 */
public record ChatPrompt(List<ChatMessage> messages, int[] promptIds, int dropped, boolean cut, int answerRoom) {

    public ChatPrompt {
        messages = List.copyOf(messages);
    }

    /** The prompt's length in tokens. */
    public int promptTokens() {
        return promptIds.length;
    }
}
