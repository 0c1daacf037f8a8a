-- The User (US…) who created or last updated a flow, as twilio-node 6 sends it (AuthorSid): kept per revision and
-- shown as the Flow's and the revision's author_sid.
ALTER TABLE flow_revisions ADD COLUMN author_sid TEXT;
