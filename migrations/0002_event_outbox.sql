-- Events for STUDIO_EVENTS_URL, written in the same transaction as the change they describe and delivered in
-- id order; a row stays until its delivery succeeds, so nothing is lost across a restart.
CREATE TABLE event_outbox (
  id              INTEGER PRIMARY KEY,
  account_sid     TEXT    NOT NULL,
  execution_sid   TEXT,
  type            TEXT    NOT NULL,
  event           TEXT    NOT NULL, -- the CloudEvent, as JSON
  created_at      INTEGER NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error      TEXT,
  delivered_at    INTEGER
);

CREATE INDEX event_outbox_pending ON event_outbox (id) WHERE delivered_at IS NULL;
