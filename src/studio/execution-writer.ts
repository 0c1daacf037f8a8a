// Every change to an execution's life goes through here: each write lands in one transaction together with the
// Event Streams event that describes it (when STUDIO_EVENTS_URL is set), then the dispatcher is woken.
import type { NewExecution, NewStep } from '../db/executions.js'
import type { Store } from '../db/store.js'
import { EXECUTION_ENDED, EXECUTION_STARTED, executionEvent, stepEndedEvent, type CloudEvent } from '../events/cloud-events.js'
import type { EndedReason, ExecutionRecord, FlowRecord, JsonObject, StepRecord } from '../types.js'
import type { Clock } from './clock.js'

/** Where events go: absent when STUDIO_EVENTS_URL is not set, so no event is written at all. */
export interface EventOutlet {
  /** Called after the transaction that enqueued events has committed. */
  committed: () => void
}

export type ExecutionWriter = ReturnType<typeof createExecutionWriter>

export function createExecutionWriter (deps: { store: Store, clock: Clock, events?: EventOutlet | undefined }) {
  const { store, clock, events } = deps

  function emit (accountSid: string, executionSid: string, event: CloudEvent): void {
    if (events !== undefined) store.enqueueEvent(accountSid, executionSid, event.type, event as unknown as Record<string, unknown>, clock.now())
  }

  function write<T> (fn: () => T): T {
    const result = store.transaction(fn)
    events?.committed()
    return result
  }

  /** Creates an execution (or finds the contact's active one) and records execution.started. */
  function create (accountSid: string, flow: FlowRecord, input: NewExecution) {
    return write(() => {
      const result = store.createExecution(accountSid, flow, input)
      if (result.outcome === 'created') emit(accountSid, input.sid, executionEvent(EXECUTION_STARTED, result.execution, input.now))
      return result
    })
  }

  /** Records a step (and step.ended), replacing the execution's Context when the step changed it. */
  function recordStep (accountSid: string, execution: ExecutionRecord, step: NewStep, context?: JsonObject): StepRecord | undefined {
    return write(() => {
      const record = store.insertStep(accountSid, execution.flowSid, execution.sid, step)
      if (record === undefined) return undefined
      if (context !== undefined) store.updateExecutionContext(accountSid, execution.flowSid, execution.sid, context)
      emit(accountSid, execution.sid, stepEndedEvent(record, step.now))
      return record
    })
  }

  /** Ends an active execution (and records execution.ended); the outcome says whether it was active. */
  function end (accountSid: string, flowSid: string, sid: string, reason: EndedReason) {
    return write(() => {
      const now = clock.now()
      const result = store.endExecution(accountSid, flowSid, sid, reason, now)
      if (result.outcome === 'ended') emit(accountSid, sid, executionEvent(EXECUTION_ENDED, result.execution, now))
      return result
    })
  }

  return { create, recordStep, end }
}
