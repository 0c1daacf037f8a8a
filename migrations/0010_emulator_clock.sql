-- The emulator clock's setting (POST /__emulator/clock), so that a restart keeps the time tests moved it to:
-- the offset from real time, or the time it stands still at while frozen. One row at most.
CREATE TABLE emulator_clock (
  id        INTEGER PRIMARY KEY CHECK (id = 1),
  offset_ms INTEGER NOT NULL,
  frozen_at INTEGER
);
