package ai.kaizen.db.humaneval;

import java.util.Objects;
import java.util.UUID;

/**
 * One blind comparison task: a held-out prompt (its conversation) with two answers shown as A and B. Which one
 * the candidate wrote is {@link #candidateSide()}, which only the server and the vote counting read: what a
 * reviewer is shown leaves it out.
 *
 * @param historyJson   the conversation up to the answer, {@code {"messages": [{"role", "content"}, ...]}}
 * @param candidateSide {@code "a"} or {@code "b"}
 */
public record BlindPair(UUID id, long cycleId, int position, String systemPrompt, String historyJson,
                        String answerA, String answerB, String candidateSide) {

    public BlindPair {
        Objects.requireNonNull(id);
        if (!"a".equals(candidateSide) && !"b".equals(candidateSide)) {
            throw new IllegalArgumentException("candidate side must be a or b, not " + candidateSide);
        }
    }
}
