-- Settings that operators change at run time (the system prompt, thresholds, ...), one row per key.
-- Kept in the database rather than in a file so that every server instance sees the same values.
CREATE TABLE setting (
    key        varchar(200)             PRIMARY KEY,
    value      text                     NOT NULL,
    updated_at timestamp with time zone NOT NULL DEFAULT now()
);
