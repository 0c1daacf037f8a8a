// The emulator clock's setting, kept so that a restart keeps the time tests moved it to. Part of the data layer.
import type { ClockSetting } from '../clock.js'
import type { DB } from './open.js'

export type EmulatorClockRepository = ReturnType<typeof createEmulatorClockRepository>

export function createEmulatorClockRepository (db: DB) {
  const s = {
    get: db.prepare('SELECT offset_ms AS offsetMs, frozen_at AS frozenAt FROM emulator_clock WHERE id = 1'),
    put: db.prepare(`INSERT INTO emulator_clock (id, offset_ms, frozen_at) VALUES (1, @offsetMs, @frozenAt)
      ON CONFLICT (id) DO UPDATE SET offset_ms = excluded.offset_ms, frozen_at = excluded.frozen_at`)
  }
  return {
    loadClockSetting: (): ClockSetting | undefined => s.get.get() as ClockSetting | undefined,
    saveClockSetting: (c: ClockSetting): void => { s.put.run({ offsetMs: Math.round(c.offsetMs), frozenAt: c.frozenAt === null ? null : Math.round(c.frozenAt) }) }
  }
}
