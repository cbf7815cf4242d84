package ai.kaizen.db.review;

import java.util.UUID;

/**
 * A user message that has answers and no task of the kind yet, with the priority its feedback earns.
 *
 * @param shownAnswerId the first answer the user saw, or null when none is left
 */
public record PromptToReview(UUID promptMessageId, UUID conversationId, UUID shownAnswerId,
                             ReviewTask.Priority priority) {
}
