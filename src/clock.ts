// The emulator's clock: real time unless a test moves it (POST /__emulator/clock), so that timeouts and the
// 30-day expiry fire deterministically.

export interface Clock {
  now: () => number
}

export const systemClock: Clock = { now: () => Date.now() }

/** A clock that follows real time, shifted by an offset, or stands still at a set time while frozen. */
export interface ControllableClock extends Clock {
  /** Moves the clock forward (or back) by `ms`. */
  advance: (ms: number) => void
  /** Sets the clock to `ms`; a running clock keeps running from there. */
  set: (ms: number) => void
  freeze: (frozen: boolean) => void
  state: () => { now: number, frozen: boolean, offset_ms: number }
  /** Back to real time. */
  reset: () => void
}

/** What a clock's setting is: its offset from real time, or the time it stands still at. */
export interface ClockSetting {
  offsetMs: number
  frozenAt: number | null
}

/**
 * `initial`: a setting kept from before (a restart keeps the time tests moved it to); `changed`: called with the new
 * setting after every change, to keep it.
 */
export function createControllableClock (base: Clock = systemClock, initial?: ClockSetting, changed?: (s: ClockSetting) => void): ControllableClock {
  let offset = initial?.offsetMs ?? 0
  let frozenAt: number | undefined = initial?.frozenAt ?? undefined
  const now = () => frozenAt ?? base.now() + offset
  const keep = () => changed?.({ offsetMs: offset, frozenAt: frozenAt ?? null })
  return {
    now,
    advance (ms) {
      if (frozenAt !== undefined) frozenAt += ms
      else offset += ms
      keep()
    },
    set (ms) {
      if (frozenAt !== undefined) frozenAt = ms
      else offset = ms - base.now()
      keep()
    },
    freeze (frozen) {
      if (frozen && frozenAt === undefined) frozenAt = now()
      if (!frozen && frozenAt !== undefined) {
        offset = frozenAt - base.now()
        frozenAt = undefined
      }
      keep()
    },
    state: () => ({ now: now(), frozen: frozenAt !== undefined, offset_ms: frozenAt !== undefined ? frozenAt - base.now() : offset }),
    reset () {
      offset = 0
      frozenAt = undefined
      keep()
    }
  }
}
