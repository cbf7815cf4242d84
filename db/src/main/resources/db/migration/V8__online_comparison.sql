-- Online A/B comparisons between model versions. While one runs, a share of the users' pairwise choices shows one
-- answer from the baseline (the version serving when it started) and one from the challenger; the choices
-- themselves stay in pairwise_comparison, their answers' model versions say which side won. At most one runs.
CREATE TABLE online_comparison (
    id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    baseline_version_id   bigint                   NOT NULL REFERENCES model_version (id),
    challenger_version_id bigint                   NOT NULL REFERENCES model_version (id),
    share                 double precision         NOT NULL CHECK (share > 0 AND share <= 1),
    reason                varchar(200)             NOT NULL,
    started_by            varchar(80)              NOT NULL,
    started_at            timestamp with time zone NOT NULL DEFAULT now(),
    ended_at              timestamp with time zone,
    CHECK (baseline_version_id <> challenger_version_id)
);
CREATE UNIQUE INDEX online_comparison_one_running ON online_comparison ((true)) WHERE ended_at IS NULL;
