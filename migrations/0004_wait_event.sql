-- The event a wait takes when wait_until passes: NULL for the widget's `timeout`; 'deliveryFailure' when a test chose
-- a delivery failure to arrive at that time (POST /__emulator/widget-events with after_ms).
ALTER TABLE executions ADD COLUMN wait_event TEXT;
