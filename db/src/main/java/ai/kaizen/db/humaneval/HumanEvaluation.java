package ai.kaizen.db.humaneval;

import java.time.Instant;

/**
 * A cycle's request for reviewers' votes: how many it needs, and until when it waits for them.
 *
 * @param candidateVersionId the cycle's candidate
 * @param servingVersionId   the model it was trained from, which served when the gate ran
 */
public record HumanEvaluation(long cycleId, long candidateVersionId, long servingVersionId, int votesRequired,
                              Instant createdAt, Instant expiresAt) {
}
