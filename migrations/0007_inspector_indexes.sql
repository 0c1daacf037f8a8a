-- The inspector (/__emulator/ui) lists executions of every flow newest first, and by contact: each page is one
-- range scan of one of these indexes (read backwards), however many executions are stored. The rowid at the end of
-- each index breaks ties between executions created in the same millisecond.
CREATE INDEX executions_by_date ON executions (date_created);
CREATE INDEX executions_by_contact ON executions (contact_channel_address, date_created);
-- One execution's inbound messages (its conversation in the inspector).
CREATE INDEX inbound_messages_by_execution ON inbound_messages (execution_sid, id);
