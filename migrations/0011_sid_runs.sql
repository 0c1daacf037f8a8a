-- STUDIO_SID_SEED: how many times an emulator has started on this database with a SID seed, so that a restart's
-- deterministic SIDs do not repeat the first run's (which are already stored).
CREATE TABLE sid_runs (
  id   INTEGER PRIMARY KEY CHECK (id = 1),
  runs INTEGER NOT NULL
);
