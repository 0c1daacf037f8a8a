// Every change to an execution's life goes through here: each batch of writes lands in one transaction together
// with the Event Streams events that describe it (when STUDIO_EVENTS_URL is set); the dispatcher is woken after.
import type { RunState } from '../db/run-state.js'
import type { NewExecution, NewStep } from '../db/executions.js'
import type { Store } from '../db/store.js'
import { EXECUTION_ENDED, EXECUTION_STARTED, executionEvent, stepEndedEvent, type CloudEvent } from '../resources/cloud-events.js'
import type { EndedReason, FlowRecord, JsonObject } from '../types.js'
import type { Clock } from '../clock.js'

/** Where events go: absent when STUDIO_EVENTS_URL is not set, so no event is written at all. */
export interface EventOutlet {
  /** Called after the transaction that enqueued events has committed. */
  committed: () => void
}

export type ExecutionWriter = ReturnType<typeof createExecutionWriter>
export type WriteBatch = ReturnType<ExecutionWriter['ops']>

export function createExecutionWriter (deps: { store: Store, clock: Clock, events?: EventOutlet | undefined, onCommit?: (() => void) | undefined }) {
  const { store, clock, events } = deps
  /** After a commit: event delivery wakes up, and the inspector hears that executions changed. */
  const committed = () => {
    events?.committed()
    deps.onCommit?.()
  }

  /** Writes the event `make` builds, only when events go somewhere (building one costs a SID and dates). */
  function emit (accountSid: string, executionSid: string, make: () => CloudEvent): void {
    if (events === undefined) return
    const event = make()
    store.enqueueEvent(accountSid, executionSid, event.type, event as unknown as Record<string, unknown>, clock.now())
  }

  /** The writes available inside a batch. */
  function ops () {
    return {
      /** Creates an execution (or finds the contact's active one) and records execution.started. */
      create (accountSid: string, flow: FlowRecord, input: NewExecution) {
        const result = store.createExecution(accountSid, flow, input)
        if (result.outcome === 'created') emit(accountSid, input.sid, () => executionEvent(EXECUTION_STARTED, result.execution, input.now))
        return result
      },
      /** Records a step (and step.ended). */
      recordStep (accountSid: string, flowSid: string, executionSid: string, step: NewStep, executionId?: number) {
        const record = store.insertStep(accountSid, flowSid, executionSid, step, executionId)
        if (record !== undefined) emit(accountSid, executionSid, () => stepEndedEvent(record, step.now))
        return record
      },
      updateContext (accountSid: string, flowSid: string, executionSid: string, context: JsonObject): void {
        store.updateExecutionContext(accountSid, flowSid, executionSid, context)
      },
      setRunState (accountSid: string, executionSid: string, state: Omit<RunState, 'parentExecutionSid' | 'parentStepSid'>): boolean {
        return store.setRunState(accountSid, executionSid, state)
      },
      /** Ends an active execution (and records execution.ended); the outcome says whether it was active. */
      end (accountSid: string, flowSid: string, sid: string, reason: EndedReason) {
        const now = clock.now()
        const result = store.endExecution(accountSid, flowSid, sid, reason, now)
        if (result.outcome === 'ended') emit(accountSid, sid, () => executionEvent(EXECUTION_ENDED, result.execution, now))
        return result
      }
    }
  }

  /** Runs `fn` with the write operations in one transaction: all of it lands, with its events, or none. */
  function batch<T> (fn: (w: WriteBatch) => T): T {
    const result = store.transaction(() => fn(ops()))
    committed()
    return result
  }

  /**
   * Group commit: writes queued in the same event-loop turn share one transaction (each in a savepoint of its
   * own, so one that throws leaves the others alone), and each promise settles only after that commit. A commit
   * costs far more than the few rows a create writes, so under load this multiplies create throughput, and
   * nothing is acknowledged before it is on disk.
   */
  let queue: Array<{ fn: (w: WriteBatch) => unknown, resolve: (v: any) => void, reject: (e: unknown) => void }> = []

  function enqueue<T> (fn: (w: WriteBatch) => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (queue.length === 0) setImmediate(flush)
      queue.push({ fn, resolve, reject })
    })
  }

  function flush (): void {
    const items = queue
    queue = []
    const outcomes: Array<{ ok: true, value: unknown } | { ok: false, error: unknown }> = []
    try {
      store.transaction(() => {
        const w = ops()
        for (const item of items) {
          try {
            outcomes.push({ ok: true, value: store.transaction(() => item.fn(w)) })
          } catch (error) {
            outcomes.push({ ok: false, error })
          }
        }
      })
    } catch (error) {
      for (const item of items) item.reject(error)
      return
    }
    committed()
    items.forEach((item, i) => {
      const o = outcomes[i] as (typeof outcomes)[number]
      if (o.ok) item.resolve(o.value)
      else item.reject(o.error)
    })
  }

  return {
    ops,
    batch,
    enqueue,
    create: (accountSid: string, flow: FlowRecord, input: NewExecution) => batch(w => w.create(accountSid, flow, input)),
    end: (accountSid: string, flowSid: string, sid: string, reason: EndedReason) => batch(w => w.end(accountSid, flowSid, sid, reason))
  }
}
