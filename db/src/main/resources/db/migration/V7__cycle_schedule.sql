-- When cycles start by themselves, as operators set it in the console. One row at most (the key can only be true):
-- until an operator saves a schedule, the server's configuration (cycle.schedule-*) stands in for it.
-- cron is a Unix cron expression of five fields read in UTC (NULL: none); new_preferences starts a cycle once that
-- many ratings and pairwise choices arrived since the newest cycle was created (0: off).
CREATE TABLE cycle_schedule (
    id              boolean                  PRIMARY KEY DEFAULT true CHECK (id),
    cron            varchar(200),
    new_preferences integer                  NOT NULL CHECK (new_preferences >= 0),
    preset          varchar(40)              NOT NULL,
    auto_promote    boolean                  NOT NULL,
    enabled         boolean                  NOT NULL,
    updated_by      varchar(100)             NOT NULL,
    updated_at      timestamp with time zone NOT NULL DEFAULT now()
);
