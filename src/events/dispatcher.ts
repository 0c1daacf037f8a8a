// Delivers the event outbox to STUDIO_EVENTS_URL as Event Streams delivers to a webhook sink:
// - at least once: an event leaves the outbox's pending set only after a 2xx (or when given up, below);
// - a JSON array of CloudEvents per request, signed per account: X-Twilio-Signature is HMAC-SHA1 with the account's
//   auth token over the sink URL with ?bodySHA256=<SHA-256 hex of the body> appended (what the helper libraries'
//   validateRequestWithBody checks), so a batch holds one account's events; an account with no auth token
//   (configured only through API keys) gets its events unsigned;
// - a sink URL with user info gets HTTP Basic auth on every request and is signed as configured (sink-url.ts); its
//   password never reaches the log or a stored error;
// - a 4xx other than 429 drops the event (logged with the status); a 5xx, a 429, a timeout or a network error retries
//   it with exponential back-off until four hours after it was written, then it expires (logged). Both are measured
//   on the emulator clock, so moving the clock forward brings retries due and, past four hours, gives events up;
// - one failing event never holds back the others: each event has its own next attempt, an event that failed once is
//   retried alone (a batch answered with a 4xx is split so that only the refused event is dropped), and retries run
//   beside new events. An account's events are sent oldest first, one request of first attempts at a time, so they
//   arrive in order while the sink answers; a retried event arrives after newer ones, as Twilio warns it can.
import { createHash } from 'node:crypto'
import { systemClock, type Clock } from '../clock.js'
import type { EventAttempt, EventOutboxEntry } from '../db/event-outbox.js'
import type { Store } from '../db/store.js'
import { twilioSignature } from '../twilio/signature.js'
import type { Logger } from '../types.js'
import { parseSinkUrl } from './sink-url.js'

/** Event Streams retries an event for up to four hours (Twilio's "Event delivery retries and event duplication"). */
export const RETRY_WINDOW_MS = 4 * 3600 * 1000

export interface DispatcherOptions {
  url: string
  store: Store
  log: Logger
  /** The emulator clock: back-off and the retry window run on it. */
  clock?: Clock
  /** The auth token that signs an account's requests; undefined sends them unsigned. */
  authTokenOf?: (accountSid: string) => string | undefined
  /** First retry delay; it doubles per attempt up to maxRetryMs. */
  initialRetryMs?: number
  maxRetryMs?: number
  timeoutMs?: number
  /** Told after each request's outcome is recorded (the inspector's events page follows delivery states). */
  attempted?: () => void
  /** Events per request, at most. */
  batchSize?: number
  /** Requests in flight at once, at most. */
  concurrency?: number
  retryWindowMs?: number
}

export type EventDispatcher = ReturnType<typeof createEventDispatcher>

interface Delivery { accountSid: string, entries: EventOutboxEntry[] }

/** What the sink's answer (or its absence) means for the events of one request. */
type Answer = { kind: 'ok' } | { kind: 'refused', status: number } | { kind: 'failed', error: string }

/** Due events as requests: events never tried yet in batches of one account's, oldest first; a retried event alone. */
export function planDeliveries (due: readonly EventOutboxEntry[], batchSize: number): Delivery[] {
  const deliveries: Delivery[] = []
  const open = new Map<string, Delivery>()
  for (const e of due) {
    if (e.attempts > 0) { deliveries.push({ accountSid: e.accountSid, entries: [e] }); continue }
    let d = open.get(e.accountSid)
    if (d === undefined || d.entries.length >= batchSize) {
      d = { accountSid: e.accountSid, entries: [] }
      open.set(e.accountSid, d)
      deliveries.push(d)
    }
    d.entries.push(e)
  }
  return deliveries
}

const isFirstAttempt = (d: Delivery): boolean => d.entries[0]?.attempts === 0

/** The sink URL a request goes to, with the body's hash appended as Twilio does for JSON bodies. */
export function signedUrl (url: string, body: string): string {
  const hash = createHash('sha256').update(body, 'utf8').digest('hex')
  const at = url.indexOf('#')
  const base = at === -1 ? url : url.slice(0, at)
  return `${base}${base.includes('?') ? '&' : '?'}bodySHA256=${hash}`
}

export function createEventDispatcher (opts: DispatcherOptions) {
  const { store, log } = opts
  const sink = parseSinkUrl(opts.url)
  const clock = opts.clock ?? systemClock
  const authTokenOf = opts.authTokenOf ?? (() => undefined)
  const initialRetryMs = opts.initialRetryMs ?? 500
  const maxRetryMs = opts.maxRetryMs ?? 30_000
  // Twilio gives a webhook sink 5 s to answer (Event Streams webhook quickstart).
  const timeoutMs = opts.timeoutMs ?? 5_000
  const batchSize = opts.batchSize ?? 50
  const concurrency = opts.concurrency ?? 8
  const retryWindowMs = opts.retryWindowMs ?? RETRY_WINDOW_MS
  // While events wait, the clock is looked at again this often: a test that moves it sees retries (and expiry) soon.
  const recheckMs = Math.min(maxRetryMs, 1_000)
  let timer: NodeJS.Timeout | undefined
  let soon = false
  let stopped = false
  /** Event ids in a request now, and the requests themselves (to abort and await on stop). */
  const sending = new Set<number>()
  const requests = new Map<Promise<void>, AbortController>()
  /** Accounts with a request of events on their first attempt in flight. */
  const firstAttempts = new Set<string>()
  /** Events in a request when a retry-now was asked: if that request fails, they are due again at once. */
  const hurried = new Set<number>()

  /** Asks for a delivery round soon (after a commit that enqueued events, a request's end, or at startup). */
  function kick (): void {
    if (stopped || soon) return
    soon = true
    setImmediate(() => { soon = false; pump() })
  }

  /** Retry-now (after the outbox made every pending event due): a request in flight that fails retries at once. */
  function retryNow (): void {
    for (const id of sending) hurried.add(id)
    kick()
  }

  function schedule (delayMs: number): void {
    if (stopped) return
    if (timer !== undefined) clearTimeout(timer)
    timer = setTimeout(() => { timer = undefined; kick() }, Math.max(delayMs, 0))
    timer.unref()
  }

  /** Starts a request for every due event not already in one, up to the concurrency limit; then waits. */
  function pump (): void {
    if (stopped) return
    if (timer !== undefined) { clearTimeout(timer); timer = undefined }
    const free = concurrency - requests.size
    if (free <= 0) return // a request's end kicks again
    const now = clock.now()
    const due = store.dueEvents(now, now + maxRetryMs, batchSize * free + sending.size).filter(e => !sending.has(e.id))
    let slots = free
    for (const d of planDeliveries(due, batchSize)) {
      if (slots === 0) break
      // One request of first attempts per account at a time, so that an account's events arrive in order unless retried.
      if (isFirstAttempt(d) && firstAttempts.has(d.accountSid)) continue
      start(d)
      slots--
    }
    if (due.length > 0) return // a request's end kicks again
    const next = store.nextEventAttemptAt()
    if (next === null) return
    // A next attempt already due belongs to an event in a request: look again after recheckMs.
    const wait = next - now
    schedule(wait > 0 ? Math.min(wait, recheckMs) : recheckMs)
  }

  function start (d: Delivery): void {
    const first = isFirstAttempt(d)
    if (first) firstAttempts.add(d.accountSid)
    for (const e of d.entries) sending.add(e.id)
    const controller = new AbortController()
    const request = deliver(d, controller)
      .catch((err: unknown) => { log.error({ err: sink.scrub((err as Error).message) }, 'event delivery failed unexpectedly') })
      .finally(() => {
        requests.delete(request)
        if (first) firstAttempts.delete(d.accountSid)
        for (const e of d.entries) { sending.delete(e.id); hurried.delete(e.id) }
        kick()
      })
    requests.set(request, controller)
  }

  async function deliver (d: Delivery, controller: AbortController): Promise<void> {
    const body = JSON.stringify(d.entries.map(e => e.event))
    const target = signedUrl(sink.target, body)
    const token = authTokenOf(d.accountSid)
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'studio-emulator' }
    if (sink.authorization !== undefined) headers.authorization = sink.authorization
    if (token !== undefined) headers['x-twilio-signature'] = twilioSignature(token, signedUrl(sink.signed, body), [])
    const timeout = setTimeout(() => controller.abort(), timeoutMs)
    let answer: Answer
    try {
      const res = await fetch(target, { method: 'POST', headers, body, signal: controller.signal })
      await res.arrayBuffer().catch(() => undefined)
      answer = res.status >= 200 && res.status <= 299
        ? { kind: 'ok' }
        : res.status >= 400 && res.status <= 499 && res.status !== 429
          ? { kind: 'refused', status: res.status }
          : { kind: 'failed', error: `the sink answered ${res.status}` }
    } catch (err) {
      const e = err as Error
      const error = controller.signal.aborted ? `the sink did not answer within ${timeoutMs} ms` : e.cause instanceof Error ? `${e.message}: ${e.cause.message}` : e.message
      answer = { kind: 'failed', error: sink.scrub(error) }
    } finally {
      clearTimeout(timeout)
    }
    if (stopped) return // pending events stay for the next start
    store.recordEventAttempts(outcomes(d, answer, clock.now()))
    opts.attempted?.()
  }

  /** Each event's fate after one request, logged. */
  function outcomes (d: Delivery, answer: Answer, now: number): EventAttempt[] {
    const ids = (entries: readonly EventOutboxEntry[]) => entries.map(e => e.event.id)
    if (answer.kind === 'ok') return d.entries.map(e => ({ id: e.id, outcome: 'delivered', at: now }))
    if (answer.kind === 'refused') {
      const error = `the sink answered ${answer.status}`
      if (d.entries.length > 1) {
        // Which event the sink refused is unknown: each is sent again alone, now, and only the refused one is dropped.
        log.warn({ events: ids(d.entries), status: answer.status }, 'the sink refused a batch of events; each is sent again alone')
        return d.entries.map(e => ({ id: e.id, outcome: 'retry', error: `${error} (to a batch of ${d.entries.length}); sent again alone`, nextAttemptAt: now }))
      }
      log.warn({ event: d.entries[0]?.event.id, type: d.entries[0]?.type, status: answer.status }, 'the sink refused an event with a 4xx: dropped')
      return d.entries.map(e => ({ id: e.id, outcome: 'dropped', error: `${error}: dropped`, at: now }))
    }
    const result: EventAttempt[] = []
    const expired: EventOutboxEntry[] = []
    let retryIn = 0
    for (const e of d.entries) {
      const deadline = e.createdAt + retryWindowMs
      if (now >= deadline) {
        expired.push(e)
        result.push({ id: e.id, outcome: 'expired', error: `${answer.error}; given up ${retryWindowMs / 3_600_000} hours after the event was written`, at: now })
        continue
      }
      // The last attempt is made at the deadline.
      const delay = Math.min(initialRetryMs * 2 ** e.attempts, maxRetryMs)
      retryIn = Math.max(retryIn, delay)
      const next = hurried.has(e.id) ? now : Math.min(now + delay, deadline)
      result.push({ id: e.id, outcome: 'retry', error: answer.error, nextAttemptAt: next })
    }
    if (expired.length > 0) log.warn({ events: ids(expired), err: answer.error }, 'event delivery given up after the retry window: expired')
    if (expired.length < d.entries.length) log.warn({ events: d.entries.length - expired.length, retry_in_ms: retryIn, err: answer.error }, 'event delivery failed; will retry')
    return result
  }

  /** Stops delivering: pending events stay in the outbox for the next start. */
  async function stop (): Promise<void> {
    stopped = true
    if (timer !== undefined) clearTimeout(timer)
    for (const controller of requests.values()) controller.abort()
    await Promise.allSettled([...requests.keys()])
  }

  /** The sink URL as it may be shown (its password replaced by ***). */
  return { kick, retryNow, stop, sink: sink.redacted }
}
