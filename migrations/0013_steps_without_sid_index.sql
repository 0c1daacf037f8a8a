-- A Step is always read through its execution (steps_by_execution): by the execution's SID and then its own, or as
-- the execution's list. The unique index on steps.sid was never used to find one, and as Step SIDs are random every
-- Step written touched a random page of it (a page more in the WAL per Step, at every commit). Steps are rebuilt
-- without it; the SIDs stay as they were (random 128-bit, or a seeded sequence per prefix: no two alike).
CREATE TABLE steps_rebuilt (
  id                INTEGER PRIMARY KEY,
  execution_id      INTEGER NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
  sid               TEXT    NOT NULL,
  parent_step_sid   TEXT,
  name              TEXT    NOT NULL,
  transitioned_from TEXT    NOT NULL,
  transitioned_to   TEXT    NOT NULL,
  type              TEXT    NOT NULL,
  context           TEXT    NOT NULL,
  date_created      INTEGER NOT NULL,
  date_updated      INTEGER
);
INSERT INTO steps_rebuilt (id, execution_id, sid, parent_step_sid, name, transitioned_from, transitioned_to, type, context, date_created, date_updated)
  SELECT id, execution_id, sid, parent_step_sid, name, transitioned_from, transitioned_to, type, context, date_created, date_updated FROM steps;
DROP TABLE steps;
ALTER TABLE steps_rebuilt RENAME TO steps;
CREATE INDEX steps_by_execution ON steps (execution_id, id);
