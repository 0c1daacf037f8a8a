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

export function createControllableClock (base: Clock = systemClock): ControllableClock {
  let offset = 0
  let frozenAt: number | undefined
  const now = () => frozenAt ?? base.now() + offset
  return {
    now,
    advance (ms) {
      if (frozenAt !== undefined) frozenAt += ms
      else offset += ms
    },
    set (ms) {
      if (frozenAt !== undefined) frozenAt = ms
      else offset = ms - base.now()
    },
    freeze (frozen) {
      if (frozen && frozenAt === undefined) frozenAt = now()
      if (!frozen && frozenAt !== undefined) {
        offset = frozenAt - base.now()
        frozenAt = undefined
      }
    },
    state: () => ({ now: now(), frozen: frozenAt !== undefined, offset_ms: frozenAt !== undefined ? frozenAt - base.now() : offset }),
    reset () {
      offset = 0
      frozenAt = undefined
    }
  }
}
