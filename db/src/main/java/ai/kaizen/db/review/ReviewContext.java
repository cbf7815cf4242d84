package ai.kaizen.db.review;

import ai.kaizen.db.chat.Conversation;
import ai.kaizen.db.chat.Message;

import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * What a reviewer (or the candidate generator) needs to see of a task's conversation.
 *
 * @param history the branch from the first message down to the user message under review
 * @param answers the messages the task names (candidates), by id
 */
public record ReviewContext(Conversation conversation, List<Message> history, Map<UUID, Message> answers) {
}
