-- Flows and their revisions (per account), Executions with their Context, and Steps.

-- A flow as the account sees it; the definition and status live in its revisions, `revision` names the latest.
-- AUTOINCREMENT: a deleted flow's id is never reused, so caches keyed by (flow id, revision) stay true.
CREATE TABLE flows (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  account_sid   TEXT    NOT NULL,
  sid           TEXT    NOT NULL,
  revision      INTEGER NOT NULL,
  -- 'api': created with the v2 Flows API; 'file': loaded from STUDIO_FLOWS_DIR;
  -- 'auto': registered on first use of an unknown FlowSid (its real definition is unknown).
  origin        TEXT    NOT NULL CHECK (origin IN ('api', 'file', 'auto')),
  test_users    TEXT    NOT NULL DEFAULT '[]',
  date_created  INTEGER NOT NULL,
  date_updated  INTEGER,
  UNIQUE (account_sid, sid)
);

CREATE TABLE flow_revisions (
  flow_id        INTEGER NOT NULL REFERENCES flows (id) ON DELETE CASCADE,
  revision       INTEGER NOT NULL,
  friendly_name  TEXT    NOT NULL,
  status         TEXT    NOT NULL CHECK (status IN ('draft', 'published')),
  definition     TEXT    NOT NULL,
  commit_message TEXT,
  valid          INTEGER NOT NULL,
  errors         TEXT    NOT NULL,
  warnings       TEXT    NOT NULL,
  date_created   INTEGER NOT NULL,
  date_updated   INTEGER,
  PRIMARY KEY (flow_id, revision)
) WITHOUT ROWID;

CREATE TABLE executions (
  id                      INTEGER PRIMARY KEY,
  flow_id                 INTEGER NOT NULL REFERENCES flows (id) ON DELETE CASCADE,
  sid                     TEXT    NOT NULL UNIQUE,
  contact_sid             TEXT    NOT NULL,
  contact_channel_address TEXT    NOT NULL, -- To
  from_address            TEXT    NOT NULL, -- From: the flow's channel address
  status                  TEXT    NOT NULL CHECK (status IN ('active', 'ended')),
  ended_reason            TEXT,     -- why it ended (FLOW_END, ENDED_BY_API, …), for events
  flow_revision           INTEGER NOT NULL,
  initiated_by            TEXT,
  date_created            INTEGER NOT NULL,
  date_updated            INTEGER NOT NULL
);

-- A list page is one range scan of this index, read backwards (newest first), whatever the table holds.
-- The rowid every index ends with breaks ties between executions created in the same millisecond.
CREATE INDEX executions_by_flow_date ON executions (flow_id, date_created);

-- Studio keeps at most one active execution per flow and To/From pair (v1 returns it, v2 answers 409).
CREATE UNIQUE INDEX executions_one_active_per_contact
  ON executions (flow_id, contact_channel_address, from_address) WHERE status = 'active';

CREATE TABLE execution_contexts (
  execution_id INTEGER PRIMARY KEY REFERENCES executions (id) ON DELETE CASCADE,
  context      TEXT    NOT NULL
);

CREATE TABLE steps (
  id                INTEGER PRIMARY KEY,
  execution_id      INTEGER NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
  sid               TEXT    NOT NULL UNIQUE,
  parent_step_sid   TEXT,
  name              TEXT    NOT NULL,
  transitioned_from TEXT    NOT NULL,
  transitioned_to   TEXT    NOT NULL,
  type              TEXT    NOT NULL,
  context           TEXT    NOT NULL,
  date_created      INTEGER NOT NULL,
  date_updated      INTEGER
);

-- Steps are listed newest first in the order they were taken.
CREATE INDEX steps_by_execution ON steps (execution_id, id);
