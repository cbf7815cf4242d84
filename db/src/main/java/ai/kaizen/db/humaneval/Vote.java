package ai.kaizen.db.humaneval;

import java.time.Instant;
import java.util.UUID;

/**
 * One row of the audit trail: a reviewer's vote (or skip) on a task, with the side the candidate was on.
 *
 * @param choice     {@code a}, {@code b}, {@code tie} or {@code both_bad}; null for a skip
 * @param skipReason why the task was skipped; null for a vote
 */
public record Vote(long id, UUID taskId, int position, String reviewer, String choice, String candidateSide,
                   String skipReason, Instant votedAt) {
}
