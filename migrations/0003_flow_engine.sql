-- The flow engine's state: where each execution is in its flow, what it waits for, its limits, its subflow
-- parent; and the outbox of what widgets sent (messages, calls, Flex tasks).

-- Where the execution is: the widget it runs or waits in (NULL when not run by the engine or finished).
ALTER TABLE executions ADD COLUMN current_widget TEXT;
-- 'run': has work to do (resumed after a restart); 'reply', 'subflow', 'call': waiting for that.
ALTER TABLE executions ADD COLUMN wait_kind TEXT;
-- When the wait times out (emulator clock, epoch ms).
ALTER TABLE executions ADD COLUMN wait_until INTEGER;
-- The step SID the waiting widget will record (a subflow's children name it as parent_step_sid).
ALTER TABLE executions ADD COLUMN pending_step_sid TEXT;
ALTER TABLE executions ADD COLUMN step_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE executions ADD COLUMN repeat_widget TEXT;
ALTER TABLE executions ADD COLUMN repeat_count INTEGER NOT NULL DEFAULT 0;
-- For a subflow's execution: the parent execution and the parent's run-subflow step.
ALTER TABLE executions ADD COLUMN parent_execution_sid TEXT;
ALTER TABLE executions ADD COLUMN parent_step_sid TEXT;

-- Work the engine must pick up (at startup, after a crash mid-step) and waits that can time out.
CREATE INDEX executions_engine_work ON executions (wait_kind) WHERE wait_kind IS NOT NULL;
CREATE INDEX executions_wait_deadline ON executions (wait_until) WHERE wait_until IS NOT NULL;
-- Executions end 30 days after they begin: the active ones, oldest first.
CREATE INDEX executions_active_by_age ON executions (date_created) WHERE status = 'active';

-- What widgets did towards the outside world: messages sent, calls placed, tasks created, HTTP requests made.
CREATE TABLE widget_outbox (
  id            INTEGER PRIMARY KEY,
  account_sid   TEXT    NOT NULL,
  sid           TEXT    NOT NULL UNIQUE,  -- SM… for messages, otherwise a MM… record id
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
CREATE INDEX widget_outbox_by_execution ON widget_outbox (execution_sid, id);

-- Inbound messages that reached no execution (Studio records and drops them).
CREATE TABLE inbound_messages (
  id            INTEGER PRIMARY KEY,
  account_sid   TEXT    NOT NULL,
  flow_sid      TEXT    NOT NULL,
  message_sid   TEXT    NOT NULL,
  from_address  TEXT    NOT NULL,
  to_address    TEXT    NOT NULL,
  body          TEXT,
  outcome       TEXT    NOT NULL,         -- resumed, started, dropped
  execution_sid TEXT,
  date_created  INTEGER NOT NULL
);
