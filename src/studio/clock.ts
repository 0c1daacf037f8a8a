// The emulator's clock: real time unless a test moves it.

export interface Clock {
  now: () => number
}

export const systemClock: Clock = { now: () => Date.now() }
