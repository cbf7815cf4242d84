-- Human evaluation as the evaluation gate's last step. A cycle whose request asks for it (gate.human_votes > 0) and
-- whose candidate passed the automatic checks waits as 'awaiting_human_eval' (no trainer runs meanwhile, so it
-- does not count as active: another cycle may start) until reviewers have cast the votes it asks for, an operator
-- cancels it, or it expires; the server then writes the final verdict and ends it as any other cycle.
ALTER TABLE training_cycle DROP CONSTRAINT training_cycle_status_check;
ALTER TABLE training_cycle ADD CONSTRAINT training_cycle_status_check
    CHECK (status IN ('queued', 'running', 'awaiting_human_eval', 'succeeded', 'gate_failed', 'no_verdict',
                      'failed', 'cancelled'));

-- One cycle's blind comparison: how many votes it needs and until when it waits for them.
CREATE TABLE human_evaluation (
    cycle_id             bigint PRIMARY KEY REFERENCES training_cycle (id) ON DELETE CASCADE,
    candidate_version_id bigint                   NOT NULL REFERENCES model_version (id),
    serving_version_id   bigint                   NOT NULL REFERENCES model_version (id),
    votes_required       integer                  NOT NULL CHECK (votes_required >= 1),
    created_at           timestamp with time zone NOT NULL DEFAULT now(),
    expires_at           timestamp with time zone NOT NULL
);

-- A held-out prompt (never a training prompt) with the candidate's and the serving model's answers as A and B, in
-- an order drawn per task. candidate_side says which is the candidate; it never leaves the server before the
-- votes are counted. history is {"messages": [{"role": ..., "content": ...}, ...]}, the prompt's conversation.
CREATE TABLE human_eval_task (
    id             uuid PRIMARY KEY,
    cycle_id       bigint                   NOT NULL REFERENCES human_evaluation (cycle_id) ON DELETE CASCADE,
    position       integer                  NOT NULL,
    system_prompt  text                     NOT NULL,
    history        jsonb                    NOT NULL CHECK (jsonb_typeof(history -> 'messages') = 'array'),
    answer_a       text                     NOT NULL,
    answer_b       text                     NOT NULL,
    candidate_side char(1)                  NOT NULL CHECK (candidate_side IN ('a', 'b')),
    created_at     timestamp with time zone NOT NULL DEFAULT now(),
    UNIQUE (cycle_id, position)
);

-- A reviewer's verdict on a task ('a' better, 'b' better, 'tie', 'both_bad'), or their skip with its reason. One
-- row per task and reviewer: nobody votes twice on a task, and a skipped task never comes back to them. A vote is
-- final: the trigger below refuses any change to it, so the table is the audit trail of who voted what and when.
CREATE TABLE human_eval_vote (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    task_id     uuid                     NOT NULL REFERENCES human_eval_task (id) ON DELETE CASCADE,
    reviewer    varchar(80)              NOT NULL,
    choice      varchar(10) CHECK (choice IN ('a', 'b', 'tie', 'both_bad')),
    skip_reason varchar(200),
    voted_at    timestamp with time zone NOT NULL DEFAULT now(),
    UNIQUE (task_id, reviewer),
    CHECK ((choice IS NULL) <> (skip_reason IS NULL))
);
CREATE INDEX human_eval_vote_reviewer ON human_eval_vote (reviewer);

CREATE FUNCTION human_eval_vote_is_final() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'a human evaluation vote cannot be changed';
END $$;
CREATE TRIGGER human_eval_vote_final BEFORE UPDATE ON human_eval_vote
    FOR EACH ROW EXECUTE FUNCTION human_eval_vote_is_final();
