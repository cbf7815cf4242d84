-- Answers written for reviewers, never shown to the user: the candidate answers the review queue samples beside the
-- answer the user saw, and reviewers' ideal answers. They hang in the conversation's tree as siblings of the user's
-- answers, so the chat page must tell them apart to offer the user's own answers, and only those, as branches.
ALTER TABLE message ADD COLUMN review_only boolean NOT NULL DEFAULT false;

UPDATE message SET review_only = true
 WHERE id IN (SELECT ideal_message_id FROM review_assignment WHERE ideal_message_id IS NOT NULL);

-- A ranking task's candidates are the answer the user saw, which existed before the task, and the answers sampled
-- for it: every candidate but the oldest.
UPDATE message m SET review_only = true
  FROM review_task t
 WHERE t.kind = 'rank' AND m.id = ANY (t.candidate_ids)
   AND m.id <> (SELECT o.id FROM message o WHERE o.id = ANY (t.candidate_ids) ORDER BY o.created_at, o.id LIMIT 1);
