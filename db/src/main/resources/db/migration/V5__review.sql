-- The reviewer workspace: tasks, who works on them, and what they said.
--
-- A task asks reviewers about one user message (prompt_message_id; the conversation up to it is the context):
-- 'rank' orders the candidate answers best to worst (ties allowed, any flagged unacceptable), 'ideal' writes the
-- answer the assistant should have given, 'label' rates one answer on Likert scales and flags it. The candidates are messages (siblings in the conversation's tree, never
-- on the branch the user sees), so they keep their model version and sampling like every answer, and the trainer
-- reads them as it reads any answer. priority orders the queue: 0 answers users disliked (thumbs down, 1-2
-- stars), 1 uncertain ones (a tie or "both bad", 3 stars), 2 random traffic. overlap is how many distinct
-- reviewers should submit it.
CREATE TABLE review_task (
    id                uuid PRIMARY KEY,
    kind              varchar(10)              NOT NULL CHECK (kind IN ('rank', 'ideal', 'label')),
    prompt_message_id uuid                     NOT NULL REFERENCES message (id) ON DELETE CASCADE,
    candidate_ids     uuid[]                   NOT NULL,
    priority          smallint                 NOT NULL CHECK (priority BETWEEN 0 AND 2),
    overlap           smallint                 NOT NULL CHECK (overlap >= 1),
    created_at        timestamp with time zone NOT NULL DEFAULT now(),
    UNIQUE (kind, prompt_message_id)
);
CREATE INDEX review_task_queue ON review_task (priority, created_at);

-- One reviewer's work on one task: handed out ('open', with a draft that survives a reload), then 'submitted' or
-- 'skipped' (with a reason). One row per task and reviewer: nobody gets the same task twice. A submission may be
-- changed until edit_until. ranking is the full ordering, one entry per candidate (an object at the top, as
-- Hibernate Reactive reads JSON columns as objects):
-- {"entries": [{"message_id": "...", "rank": 1, "unacceptable": false}, ...]}, rank 1 the best, equal ranks a tie.
CREATE TABLE review_assignment (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    task_id      uuid                     NOT NULL REFERENCES review_task (id) ON DELETE CASCADE,
    reviewer     varchar(80)              NOT NULL,
    status       varchar(10)              NOT NULL CHECK (status IN ('open', 'submitted', 'skipped')),
    draft        jsonb,
    ranking      jsonb CHECK (ranking IS NULL OR jsonb_typeof(ranking -> 'entries') = 'array'),
    -- a label task's verdict: {"helpfulness": 1-5, "correctness": 1-5, "tone": 1-5,
    -- "flags": ["personal_data", "unsafe", "off_topic"]} (any of the flags)
    labels       jsonb,
    -- the reviewer's ideal answer: a message beside the model's answers (no model version: a person wrote it)
    ideal_message_id uuid REFERENCES message (id) ON DELETE CASCADE,
    skip_reason  varchar(200),
    assigned_at  timestamp with time zone NOT NULL DEFAULT now(),
    submitted_at timestamp with time zone,
    -- time on the task until the first submission: the throughput figure
    seconds      real,
    updated_at   timestamp with time zone NOT NULL DEFAULT now(),
    edit_until   timestamp with time zone,
    UNIQUE (task_id, reviewer),
    CHECK (status <> 'submitted' OR ranking IS NOT NULL OR ideal_message_id IS NOT NULL OR labels IS NOT NULL),
    CHECK (status <> 'skipped' OR skip_reason IS NOT NULL)
);
CREATE INDEX review_assignment_reviewer ON review_assignment (reviewer, status);
