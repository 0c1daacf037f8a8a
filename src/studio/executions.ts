// Starting and ending executions: the Studio rules around the store (Parameters, Context, the active-contact rule).
import type { Store } from '../db/store.js'
import {
  executionAlreadyActive, executionAlreadyEnded, executionCannotBeReactivated, invalidParameter,
  malformedContactParameters, resourceNotFound
} from '../twilio/errors.js'
import { contactSid, newSid } from '../twilio/sid.js'
import type { Caller, ExecutionRecord, ExecutionStatus, JsonObject } from '../types.js'
import type { Clock } from './clock.js'
import type { ExecutionWriter } from './execution-writer.js'
import { nextState, triggerState } from './flow-definition.js'
import type { FlowService } from './flows.js'

export interface StartRequest {
  to: string
  from: string
  /** The Parameters form field as sent: a JSON object in a string, or absent. */
  parameters: string | undefined
  /** The SID of what started it: for a REST create, the request's RQ SID (v2's `initiated_by`). */
  initiatedBy: string
}

/** Studio error 81023: To and From together may not exceed 300 bytes. */
const MAX_CONTACT_BYTES = 300

/** What to do when the contact already has an active execution in the flow: v1 returns it, v2 refuses. */
export type ActiveContactRule = 'return-active' | 'conflict'

/**
 * Parameters arrive as a JSON object in a string (twilio-node JSON.stringifies the object it is given).
 * Anything else — an array, a number, broken JSON — is refused naming Parameters.
 */
export function parseParameters (raw: string | undefined): JsonObject {
  if (raw === undefined || raw.trim() === '') return {}
  let value: unknown
  try {
    value = JSON.parse(raw)
  } catch {
    throw invalidParameter('Parameters', 'must be a JSON object, e.g. {"name":"Zeke"}; it is not valid JSON')
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalidParameter('Parameters', 'must be a JSON object, e.g. {"name":"Zeke"}')
  }
  return value as JsonObject
}

/**
 * The Context Studio keeps for a REST-triggered execution (docs/fidelity.md, "Execution Context"):
 * Parameters under flow.data (`{{flow.data.name}}`), From as the flow's channel, To as the contact's.
 */
export function initialContext (flowSid: string, executionSid: string, req: { to: string, from: string }, parameters: JsonObject): JsonObject {
  return {
    flow: {
      flow_sid: flowSid,
      sid: executionSid,
      channel: { address: req.from },
      data: parameters,
      variables: {}
    },
    contact: { channel: { address: req.to } },
    trigger: { request: { from: req.from, to: req.to, parameters } },
    widgets: {}
  }
}

export type ExecutionService = ReturnType<typeof createExecutionService>

export function createExecutionService (deps: { store: Store, clock: Clock, flows: FlowService, writer: ExecutionWriter }) {
  const { store, clock, flows, writer } = deps

  /** Starts an execution; `created` is false when v1's rule handed back the contact's active one. */
  function start (caller: Caller, flowSid: string, req: StartRequest, rule: ActiveContactRule): { execution: ExecutionRecord, created: boolean } {
    if (Buffer.byteLength(req.to) + Buffer.byteLength(req.from) > MAX_CONTACT_BYTES) throw malformedContactParameters()
    const parameters = parseParameters(req.parameters)
    const { flow, revision } = flows.executionTarget(caller, flowSid, req.to)
    const now = clock.now()
    const sid = newSid('FN')
    const context = initialContext(flowSid, sid, req, parameters)
    const result = writer.create(caller.accountSid, flow, {
      sid,
      contactSid: contactSid(caller.accountSid, req.to),
      to: req.to,
      from: req.from,
      flowRevision: revision.revision,
      initiatedBy: req.initiatedBy,
      context,
      now
    })
    if (result.outcome === 'active-exists') {
      if (rule === 'conflict') throw executionAlreadyActive(result.execution.sid)
      return { execution: result.execution, created: false }
    }
    // The create answers with the execution as started; the flow runs right after, as in Studio.
    // An auto-registered flow's definition is unknown, so nothing runs and the execution stays active.
    if (flow.origin !== 'auto') runTrigger(caller.accountSid, result.execution, revision.definition, context, 'incomingRequest')
    return { execution: result.execution, created: true }
  }

  /**
   * Records the Trigger's step for the event that started the execution (`incomingRequest` for REST) and ends
   * the execution when that event leads nowhere. Step context is the execution context as of that step.
   */
  function runTrigger (accountSid: string, execution: ExecutionRecord, definition: JsonObject, context: JsonObject, event: string): void {
    const trigger = triggerState(definition)
    if (trigger === undefined) return
    const next = nextState(trigger, event)
    writer.recordStep(accountSid, execution, {
      sid: newSid('FT'),
      parentStepSid: null,
      name: event,
      transitionedFrom: String(trigger.name),
      transitionedTo: next ?? 'Ended',
      type: 'trigger',
      context,
      now: clock.now()
    })
    if (next === undefined) writer.end(accountSid, execution.flowSid, execution.sid, 'FLOW_END')
  }

  /** Applies a Status update: active → ended once; nothing ever goes back to active. */
  function setStatus (caller: Caller, flowSid: string, sid: string, status: ExecutionStatus, path: string): ExecutionRecord {
    if (status === 'active') {
      const execution = store.getExecution(caller.accountSid, flowSid, sid)
      if (execution === undefined) throw resourceNotFound(path)
      if (execution.status === 'ended') throw executionCannotBeReactivated(sid)
      return execution
    }
    const result = writer.end(caller.accountSid, flowSid, sid, 'ENDED_BY_API')
    if (result.outcome === 'not-found') throw resourceNotFound(path)
    if (result.outcome === 'already-ended') throw executionAlreadyEnded(sid)
    return result.execution
  }

  return { start, setStatus }
}
