package ai.kaizen.server.chat;

import java.util.List;

/**
 * How the assistant answers and what users may send, from the configuration.
 *
 * @param systemPrompt        the default system prompt (operators may replace it at run time)
 * @param pairwiseProbability chance that an answer is shown as an A/B pair (regenerating always is)
 * @param maxMessageChars     longest user message
 * @param maxConversationMessages most messages in one conversation
 * @param maxSessionConversations most conversations one anonymous session may keep
 * @param reasons             thumbs-down reasons users pick from
 * @param progressSaveMs      how often the text of an answer being written is saved (what a crash may lose)
 */
public record ChatSettings(String systemPrompt, int maxNewTokens, double temperature, double topP, int topK,
                           double repetitionPenalty, double pairwiseProbability, int maxMessageChars,
                           int maxConversationMessages, int maxSessionConversations, List<String> reasons,
                           int progressSaveMs) {

    public ChatSettings {
        reasons = List.copyOf(reasons);
    }
}
