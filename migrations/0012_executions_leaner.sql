-- Fewer bytes per stored execution (bench/README.md, "bytes per execution"), and fewer index writes per create:
-- - contact_sid goes: it is derived from the account and the contact's address (src/twilio/sid.ts contactSid),
--   and is computed when an execution is read;
-- - the inspector's list of every flow's executions, newest first, reads the table itself backwards (rowid order:
--   executions are numbered as they are created), so executions_by_date goes;
-- - its list by contact reads (contact_channel_address, rowid), without the date.
DROP INDEX executions_by_date;
DROP INDEX executions_by_contact;
CREATE INDEX executions_by_contact ON executions (contact_channel_address);
ALTER TABLE executions DROP COLUMN contact_sid;
