// Studio's documented REST limit: "Outbound Executions (triggered by Studio's REST API): 20 new Executions per
// second per account" (Studio FAQ). A sliding one-second window per account on the emulator's clock.
import type { Clock } from '../clock.js'

export const EXECUTIONS_PER_SECOND = 20

export type RateLimiter = ReturnType<typeof createRateLimiter>

export function createRateLimiter (clock: Clock, limit = EXECUTIONS_PER_SECOND, windowMs = 1000) {
  const windows = new Map<string, number[]>()

  /** Takes one slot for the account; false when it already used `limit` in the last `windowMs`. */
  function take (accountSid: string): boolean {
    const now = clock.now()
    const times = windows.get(accountSid) ?? []
    while (times.length > 0 && (times[0] as number) <= now - windowMs) times.shift()
    if (times.length >= limit) {
      windows.set(accountSid, times)
      return false
    }
    times.push(now)
    windows.set(accountSid, times)
    return true
  }

  return { take }
}
