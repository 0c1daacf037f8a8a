-- A subflow runs inside its parent's execution, as Studio's Subflows page says ("all the steps of the Subflow and
-- parent Flow are run as a single Execution"): its Steps are the parent's, and while the parent's run-subflow widget
-- runs it, the subflow's place is kept on the parent's row. Executions written before this version, whose subflows
-- ran as executions of their own (parent_execution_sid), read and finish as they were.
ALTER TABLE executions ADD COLUMN frame_flow_sid TEXT;     -- the subflow's FlowSid; NULL when no subflow runs
ALTER TABLE executions ADD COLUMN frame_revision INTEGER;  -- the subflow revision it runs
ALTER TABLE executions ADD COLUMN frame_widget TEXT;       -- the subflow's current widget; NULL once it has finished
ALTER TABLE executions ADD COLUMN frame_context TEXT;      -- the subflow's own context (JSON)
