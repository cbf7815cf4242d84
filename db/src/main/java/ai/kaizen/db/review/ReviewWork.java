package ai.kaizen.db.review;

/** A task and the reviewer's assignment to it: what the review page shows. */
public record ReviewWork(ReviewTask task, ReviewAssignment assignment) {
}
