-- Calls: the voice side of executions. An incoming call (Studio's incomingCall trigger) or one placed by
-- make-outgoing-call-v2, the execution that drives it, its status, and the TwiML it follows now (the verbs Studio
-- answered at its last wait, as JSON; the webhook renders them with the emulator's own base URL).
CREATE TABLE calls (
  id            INTEGER PRIMARY KEY,
  account_sid   TEXT    NOT NULL,
  sid           TEXT    NOT NULL,         -- CA…; a call redirected to another flow's webhook is that flow's call too
  flow_sid      TEXT    NOT NULL,
  execution_sid TEXT    NOT NULL,
  direction     TEXT    NOT NULL,         -- inbound, outbound-api
  from_address  TEXT    NOT NULL,
  to_address    TEXT    NOT NULL,
  status        TEXT    NOT NULL,         -- queued, ringing, in-progress, completed, busy, no-answer, failed, canceled
  answered_by   TEXT,                     -- human, machine_start, … (outbound calls with machine detection)
  twiml         TEXT,                     -- JSON: the verbs of the TwiML the call follows now; NULL before the first
  twiml_step    INTEGER,                  -- the execution's step count when that TwiML was written (its wait)
  date_created  INTEGER NOT NULL,
  date_updated  INTEGER NOT NULL,
  UNIQUE (flow_sid, sid)
);
CREATE INDEX calls_by_execution ON calls (execution_sid, id);

-- Studio's Concurrent Calls flag (flags.allow_concurrent_calls, on by default): one caller may have several incoming
-- call executions active in a flow at once. Those executions are outside the one-active-per-contact rule.
ALTER TABLE executions ADD COLUMN concurrent_call INTEGER NOT NULL DEFAULT 0;
DROP INDEX executions_one_active_per_contact;
CREATE UNIQUE INDEX executions_one_active_per_contact
  ON executions (flow_id, contact_channel_address, from_address) WHERE status = 'active' AND concurrent_call = 0;
