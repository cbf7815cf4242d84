-- Several servers run the cycle scheduler on one database. A cycle the schedule starts records the newest cycle it
-- followed (0 when there was none), and one cycle at most may follow each: when two servers decide at the same
-- moment that the schedule is due, the second insert violates this index, so the schedule fires once. Cycles an
-- operator starts leave it NULL and are not limited.
ALTER TABLE training_cycle ADD COLUMN scheduled_after bigint;
CREATE UNIQUE INDEX training_cycle_scheduled_once ON training_cycle (scheduled_after);
