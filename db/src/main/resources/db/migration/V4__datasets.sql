-- Versioned, reproducible training datasets built from the feedback.
--
-- A dataset version is the recipe and the result of one build: the kind of examples, the cut-off (nothing
-- rated, chosen or written after it was read), the parameters (thresholds, split seed and fraction), and the exact
-- rows it took, one dataset_item per example. Rebuilding a version reads those items back, so a training run can
-- be repeated exactly even after new feedback arrived or ratings changed.
CREATE TABLE dataset_version (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind        varchar(20)              NOT NULL CHECK (kind IN ('sft', 'preference', 'thumbs')),
    created_at  timestamp with time zone NOT NULL DEFAULT now(),
    cut_off     timestamp with time zone NOT NULL,
    -- e.g. {"sftMinStars":4,"starsMargin":1.0,"evalFraction":0.1,"splitSeed":0,"bothBadAsThumbsDown":true}
    parameters  jsonb                    NOT NULL,
    train_count integer                  NOT NULL,
    eval_count  integer                  NOT NULL,
    -- what was counted but not turned into examples (ties, both_bad, conflicting verdicts...), by name
    stats       jsonb                    NOT NULL DEFAULT '{}'
);

-- One example of a dataset version, in the order of the dataset (position from 0).
-- source_kind says which kind of feedback produced it (rating, pairwise, stars, both_bad; later rankings and
-- ideal answers) and source_ids the rows of that feedback (rating ids, pairwise_comparison ids), as text so that
-- any table's key fits. The messages are named by id: the prompt is the branch ending at prompt_message_id (the
-- user message answered), answer_id is the completion (the chosen answer for a preference), other_answer_id the
-- rejected answer of a preference, label the thumbs label (1 good, -1 bad) of a thumbs example.
-- Messages are not foreign keys on purpose: deleting a conversation (a user's right) must not be blocked by a
-- dataset; rebuilding a version whose messages are gone fails and says which.
CREATE TABLE dataset_item (
    dataset_version_id bigint      NOT NULL REFERENCES dataset_version (id) ON DELETE CASCADE,
    position           integer     NOT NULL,
    split              varchar(5)  NOT NULL CHECK (split IN ('train', 'eval')),
    source_kind        varchar(30) NOT NULL,
    source_ids         text[]      NOT NULL DEFAULT '{}',
    prompt_message_id  uuid,
    answer_id          uuid,
    other_answer_id    uuid,
    label              smallint CHECK (label IN (-1, 1)),
    PRIMARY KEY (dataset_version_id, position)
);
