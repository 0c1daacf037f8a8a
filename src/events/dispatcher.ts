// Delivers the event outbox to STUDIO_EVENTS_URL: oldest first, in batches posted as a JSON array (as Twilio's
// webhook sinks receive them), retried with exponential backoff while the sink is down. A batch is marked
// delivered only after a 2xx, so an event is delivered at least once and never out of order.
import type { Store } from '../db/store.js'
import type { Logger } from '../types.js'

export interface DispatcherOptions {
  url: string
  store: Store
  log: Logger
  /** First retry delay; it doubles per attempt up to maxRetryMs. */
  initialRetryMs?: number
  maxRetryMs?: number
  timeoutMs?: number
  batchSize?: number
}

export type EventDispatcher = ReturnType<typeof createEventDispatcher>

export function createEventDispatcher (opts: DispatcherOptions) {
  const { url, store, log } = opts
  const initialRetryMs = opts.initialRetryMs ?? 500
  const maxRetryMs = opts.maxRetryMs ?? 30_000
  // Twilio gives a webhook sink 5 s to answer (Event Streams webhook quickstart).
  const timeoutMs = opts.timeoutMs ?? 5_000
  const batchSize = opts.batchSize ?? 50
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> | undefined
  let again = false
  let stopped = false
  let inFlight: AbortController | undefined

  /** Asks for a delivery round soon (after a commit that enqueued events, or at startup). */
  function kick (): void {
    if (stopped) return
    if (running !== undefined) { again = true; return }
    if (timer !== undefined) { clearTimeout(timer); timer = undefined }
    running = pump().finally(() => {
      running = undefined
      if (again) { again = false; kick() }
    })
  }

  function schedule (delayMs: number): void {
    if (stopped) return
    if (timer !== undefined) clearTimeout(timer)
    timer = setTimeout(() => { timer = undefined; kick() }, Math.max(delayMs, 0))
    timer.unref()
  }

  async function pump (): Promise<void> {
    for (;;) {
      if (stopped) return
      const batch = store.oldestPendingEvents(batchSize)
      const first = batch[0]
      if (first === undefined) return
      const wait = first.nextAttemptAt - Date.now()
      if (wait > 0) { schedule(wait); return }
      const ids = batch.map(e => e.id)
      try {
        inFlight = new AbortController()
        const timeout = setTimeout(() => inFlight?.abort(), timeoutMs)
        let res: Response
        try {
          res = await fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'user-agent': 'studio-emulator' },
            body: JSON.stringify(batch.map(e => e.event)),
            signal: inFlight.signal
          })
        } finally {
          clearTimeout(timeout)
          inFlight = undefined
        }
        await res.arrayBuffer().catch(() => undefined)
        if (res.status < 200 || res.status > 299) throw new Error(`the sink answered ${res.status}`)
        store.markEventsDelivered(ids, Date.now())
      } catch (err) {
        if (stopped) return
        const delay = Math.min(initialRetryMs * 2 ** first.attempts, maxRetryMs)
        const message = (err as Error).cause instanceof Error ? `${(err as Error).message}: ${((err as Error).cause as Error).message}` : (err as Error).message
        store.markEventsFailed(ids, message, Date.now() + delay)
        log.warn({ events: ids.length, retry_in_ms: delay, err: message }, 'event delivery failed; will retry')
        schedule(delay)
        return
      }
    }
  }

  /** Stops delivering: pending events stay in the outbox for the next start. */
  async function stop (): Promise<void> {
    stopped = true
    if (timer !== undefined) clearTimeout(timer)
    inFlight?.abort()
    await running
  }

  return { kick, stop }
}
