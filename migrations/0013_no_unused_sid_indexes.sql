-- Steps and widget outbox records are always read through their execution (steps_by_execution,
-- widget_outbox_by_execution), never by their own SID alone. The unique index on each `sid` was never used to find
-- a row, and as those SIDs are random every row written touched a random page of it (one more page in the WAL per
-- Step or message, at every commit). Both tables are rebuilt without it; the SIDs stay as they were (random 128-bit,
-- or a seeded sequence per prefix: no two alike).
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

CREATE TABLE widget_outbox_rebuilt (
  id            INTEGER PRIMARY KEY,
  account_sid   TEXT    NOT NULL,
  sid           TEXT    NOT NULL,         -- SM… for messages, otherwise a MM… record id
  flow_sid      TEXT    NOT NULL,
  execution_sid TEXT    NOT NULL,
  widget        TEXT    NOT NULL,
  widget_type   TEXT    NOT NULL,
  kind          TEXT    NOT NULL,         -- message, call, say, gather, record, flex, payment, stream, redirect, http
  to_address    TEXT,
  from_address  TEXT,
  body          TEXT,
  detail        TEXT    NOT NULL,         -- JSON: everything else the widget rendered
  date_created  INTEGER NOT NULL
);
INSERT INTO widget_outbox_rebuilt (id, account_sid, sid, flow_sid, execution_sid, widget, widget_type, kind, to_address, from_address, body, detail, date_created)
  SELECT id, account_sid, sid, flow_sid, execution_sid, widget, widget_type, kind, to_address, from_address, body, detail, date_created FROM widget_outbox;
DROP TABLE widget_outbox;
ALTER TABLE widget_outbox_rebuilt RENAME TO widget_outbox;
CREATE INDEX widget_outbox_by_execution ON widget_outbox (execution_sid, id);
