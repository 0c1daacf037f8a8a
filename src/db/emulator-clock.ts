// The emulator's own settings kept in the database: the clock's setting (a restart keeps the time tests moved it to)
// and how many runs have used STUDIO_SID_SEED on it. Part of the data layer.
import type { ClockSetting } from '../clock.js'
import type { DB } from './open.js'

export type EmulatorClockRepository = ReturnType<typeof createEmulatorClockRepository>

export function createEmulatorClockRepository (db: DB) {
  const s = {
    get: db.prepare('SELECT offset_ms AS offsetMs, frozen_at AS frozenAt FROM emulator_clock WHERE id = 1'),
    put: db.prepare(`INSERT INTO emulator_clock (id, offset_ms, frozen_at) VALUES (1, @offsetMs, @frozenAt)
      ON CONFLICT (id) DO UPDATE SET offset_ms = excluded.offset_ms, frozen_at = excluded.frozen_at`)
  }
  const runs = {
    get: db.prepare('SELECT runs FROM sid_runs WHERE id = 1').pluck(),
    put: db.prepare('INSERT INTO sid_runs (id, runs) VALUES (1, @runs) ON CONFLICT (id) DO UPDATE SET runs = excluded.runs')
  }
  return {
    /** Counts a start with a SID seed; returns how many came before (0 on a fresh database). */
    countSidRun: (): number => {
      const before = (runs.get.get() as number | undefined) ?? 0
      runs.put.run({ runs: before + 1 })
      return before
    },
    loadClockSetting: (): ClockSetting | undefined => s.get.get() as ClockSetting | undefined,
    saveClockSetting: (c: ClockSetting): void => { s.put.run({ offsetMs: Math.round(c.offsetMs), frozenAt: c.frozenAt === null ? null : Math.round(c.frozenAt) }) }
  }
}
