-- Event Streams' delivery rules (src/events/dispatcher.ts): each pending event has its own next attempt, so one that
-- keeps failing never holds back the others; an event the sink refuses with a 4xx other than 429 is 'dropped', one
-- still failing four hours (emulator clock) after it was written is 'expired'. Both keep their last error.
ALTER TABLE event_outbox ADD COLUMN status TEXT NOT NULL DEFAULT 'pending'
  CHECK (status IN ('pending', 'delivered', 'dropped', 'expired'));
ALTER TABLE event_outbox ADD COLUMN failed_at INTEGER; -- when a dropped or expired event was given up

UPDATE event_outbox SET status = 'delivered' WHERE delivered_at IS NOT NULL;

DROP INDEX event_outbox_pending;
CREATE INDEX event_outbox_pending ON event_outbox (next_attempt_at) WHERE status = 'pending';
