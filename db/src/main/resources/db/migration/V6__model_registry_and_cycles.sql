-- The model registry, retraining cycles and the operators' audit log.

-- One trained (or imported) model: where its files are, their checksum, and its lineage (the version it was trained
-- from, the dataset versions and cycle that made it, the configuration used and the metrics measured).
CREATE TABLE model_version (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    label              varchar(200)             NOT NULL UNIQUE,
    parent_id          bigint REFERENCES model_version (id),
    dataset_version_id bigint REFERENCES dataset_version (id),
    cycle_id           bigint,
    created_at         timestamp with time zone NOT NULL DEFAULT now(),
    artifact_path      text                     NOT NULL,
    -- SHA-256 over the artifact's files (names and contents, in name order); checked before the model is loaded
    sha256             varchar(64)              NOT NULL,
    configuration      jsonb                    NOT NULL DEFAULT '{}',
    metrics            jsonb                    NOT NULL DEFAULT '{}'
);

-- Every change of the serving model, newest last: the serving version is the newest row. Promoting and rolling
-- back both append, so the history of what served when is never lost.
CREATE TABLE model_promotion (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    model_version_id bigint                   NOT NULL REFERENCES model_version (id),
    action           varchar(20)              NOT NULL CHECK (action IN ('promote', 'rollback', 'auto_promote')),
    actor            varchar(100)             NOT NULL,
    at               timestamp with time zone NOT NULL DEFAULT now()
);

-- One retraining cycle: its stages and settings as the operator asked, and where it is now. The trainer process
-- writes status, stage, step, heartbeat and the result here; the server watches the heartbeat.
CREATE TABLE training_cycle (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    status               varchar(20)              NOT NULL
        CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    -- what the operator asked: {"stages":["dataset","sft","evaluate"],"preset":"tiny","sft":{...},"gate":{...}}
    request              jsonb                    NOT NULL,
    requested_by         varchar(100)             NOT NULL,
    created_at           timestamp with time zone NOT NULL DEFAULT now(),
    started_at           timestamp with time zone,
    finished_at          timestamp with time zone,
    heartbeat_at         timestamp with time zone,
    attempt              integer                  NOT NULL DEFAULT 0,
    stage                varchar(30),
    step                 integer                  NOT NULL DEFAULT 0,
    total_steps          integer                  NOT NULL DEFAULT 0,
    -- what each finished stage produced (dataset version, output directory, ...), so a resumed run skips it
    stage_results        jsonb                    NOT NULL DEFAULT '{}',
    error                text,
    candidate_version_id bigint REFERENCES model_version (id),
    gate_report          jsonb
);
-- One cycle at a time: at most one queued or running.
CREATE UNIQUE INDEX training_cycle_one_active ON training_cycle ((true)) WHERE status IN ('queued', 'running');

ALTER TABLE model_version ADD CONSTRAINT model_version_cycle_fk FOREIGN KEY (cycle_id) REFERENCES training_cycle (id);

-- Every metric the trainer logged, by stage and step (loss, eval_loss, learning_rate, reward, kl, accuracy, ...).
CREATE TABLE cycle_metric (
    cycle_id bigint                   NOT NULL REFERENCES training_cycle (id) ON DELETE CASCADE,
    id       bigint GENERATED ALWAYS AS IDENTITY,
    stage    varchar(30)              NOT NULL,
    step     integer                  NOT NULL,
    name     varchar(60)              NOT NULL,
    value    double precision         NOT NULL,
    at       timestamp with time zone NOT NULL DEFAULT now(),
    PRIMARY KEY (cycle_id, id)
);

-- The trainer's log lines, for the console's tail.
CREATE TABLE cycle_log (
    cycle_id bigint                   NOT NULL REFERENCES training_cycle (id) ON DELETE CASCADE,
    id       bigint GENERATED ALWAYS AS IDENTITY,
    at       timestamp with time zone NOT NULL DEFAULT now(),
    line     text                     NOT NULL,
    PRIMARY KEY (cycle_id, id)
);

-- What operators did (promote, roll back, start or cancel a cycle, ...), never updated or deleted.
CREATE TABLE audit_log (
    id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at      timestamp with time zone NOT NULL DEFAULT now(),
    actor   varchar(100)             NOT NULL,
    action  varchar(60)              NOT NULL,
    details jsonb                    NOT NULL DEFAULT '{}'
);
