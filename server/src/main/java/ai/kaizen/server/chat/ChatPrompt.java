package ai.kaizen.server.chat;

import ai.kaizen.model.tokenizer.ChatMessage;
import ai.kaizen.model.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * The messages the model sees for the next answer: the system prompt, then as much of the conversation as fits in
 * the context window with room left for the answer; the oldest turns go first.
 *
 * @param messages     what the chat template renders
 * @param promptTokens their length in tokens
 * @param dropped      how many of the conversation's earlier messages were left out
 */
public record ChatPrompt(List<ChatMessage> messages, int[] promptIds, int promptTokens, int dropped) {

    /**
     * @param history     the conversation so far, oldest first, ending with the user's new message
     * @param contextSize the model's context window in tokens
     * @param answerRoom  tokens kept free for the answer
     * @throws IllegalArgumentException when even the last message alone does not fit
     */
    public static ChatPrompt fit(Tokenizer tokenizer, String systemPrompt, List<ChatMessage> history,
                                 int contextSize, int answerRoom) {
        int budget = contextSize - answerRoom;
        for (int dropped = 0; dropped < history.size(); dropped++) {
            List<ChatMessage> messages = new ArrayList<>();
            if (!systemPrompt.isBlank()) {
                messages.add(ChatMessage.system(systemPrompt));
            }
            List<ChatMessage> kept = history.subList(dropped, history.size());
            // A kept window starts with a user turn, as chat templates expect.
            if (!kept.get(0).role().equals("user")) {
                continue;
            }
            messages.addAll(kept);
            int[] ids = tokenizer.encodeChat(messages, true);
            if (ids.length <= budget) {
                return new ChatPrompt(List.copyOf(messages), ids, ids.length, dropped);
            }
        }
        throw new IllegalArgumentException("the message is too long for the model's context window of "
                + contextSize + " tokens");
    }
}
