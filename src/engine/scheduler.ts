// Job chains: the jobs of one execution run one after another, those of different executions in parallel; idle()
// tells when nothing is in progress, so tests and the control API never sleep.
import type { JsonObject, Logger } from '../types.js'

/** What wakes an execution up. */
export type Job =
  | { kind: 'run' }
  | { kind: 'reply', inbound: JsonObject }
  | { kind: 'timeout' }
  | { kind: 'subflow-ended', childSid: string }
  /**
   * The call reported to the voice widget it waits on (Studio's webhook with `FlowEvent`, or an outbound call
   * answered, busy, …): `step` is the wait it names (FlowStep), null for any.
   */
  | { kind: 'call', event: string, fields: Record<string, string>, step: number | null }
  /** The call ended (Twilio's status callback): a widget with `hangup` takes it, otherwise the execution ends. */
  | { kind: 'hangup', fields: Record<string, string> }

export interface ExecutionKey {
  accountSid: string
  sid: string
}

export type Scheduler = ReturnType<typeof createScheduler>

export function createScheduler (run: (ref: ExecutionKey, job: Job) => Promise<void>, log: Logger) {
  const chains = new Map<string, Promise<void>>()
  let inFlight = 0
  let stopped = false
  const idleWaiters: Array<() => void> = []

  /** Queues a job for an execution after the ones it already has; the promise settles when that job is done. */
  function schedule (ref: ExecutionKey, job: Job): Promise<void> {
    if (stopped) return Promise.resolve()
    inFlight++
    const previous = chains.get(ref.sid) ?? Promise.resolve()
    const next = previous.then(async () => await run(ref, job)).catch((err: unknown) => {
      log.error({ err, execution: ref.sid }, 'the flow engine failed on an execution')
    }).finally(() => {
      if (chains.get(ref.sid) === next) chains.delete(ref.sid)
      settle()
    })
    chains.set(ref.sid, next)
    return next
  }

  /** Runs a new execution from its Trigger once the current turn is over (after the create has answered). */
  function started (ref: ExecutionKey): void {
    // Counted as in flight from now, so that idle() waits for it though it runs after the response.
    inFlight++
    setImmediate(() => {
      schedule(ref, { kind: 'run' })
      settle()
    })
  }

  function settle (): void {
    inFlight--
    if (inFlight === 0) for (const resolve of idleWaiters.splice(0)) resolve()
  }

  /** Resolves when no execution is mid-step (jobs scheduled meanwhile are waited for too). */
  async function idle (): Promise<void> {
    if (inFlight === 0) return
    await new Promise<void>(resolve => idleWaiters.push(resolve))
  }

  /** Takes no more jobs; waits up to `graceMs` for those in progress (an abandoned one reruns at the next start). */
  async function stop (graceMs = 2000): Promise<void> {
    stopped = true
    await Promise.race([Promise.allSettled([...chains.values()]), new Promise(resolve => setTimeout(resolve, graceMs).unref())])
  }

  return { schedule, started, idle, stop, isStopped: () => stopped }
}
