-- A cycle whose evaluation gate failed, or gave no verdict (too few held-out prompts), no longer ends as
-- 'succeeded': it ends as 'gate_failed' or 'no_verdict', and its candidate is promoted only with an operator's
-- override (a reason, kept in the audit log).
ALTER TABLE training_cycle DROP CONSTRAINT training_cycle_status_check;
ALTER TABLE training_cycle ADD CONSTRAINT training_cycle_status_check
    CHECK (status IN ('queued', 'running', 'succeeded', 'gate_failed', 'no_verdict', 'failed', 'cancelled'));
