// Starting and ending executions: the Studio rules around the store (Parameters, Context, the active-contact rule).
import type { Store } from '../db/store.js'
import {
  executionAlreadyActive, executionAlreadyEnded, executionCannotBeReactivated,
  malformedContactParameters, resourceMissing
} from '../twilio/errors.js'
import { parseJsonObjectParameter } from '../twilio/json-parameter.js'
import { newSid, releaseSid } from '../twilio/sid.js'
import type { Caller, ExecutionRecord, ExecutionStatus, FlowRecord, FlowRevisionRecord, JsonObject } from '../types.js'
import type { Clock } from '../clock.js'
import { restContext, startingRunState } from './context.js'
import type { ExecutionWriter, WriteBatch } from './execution-writer.js'
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

/** Parameters: optional, a JSON object in a string (it becomes flow.data). */
export function parseParameters (raw: string | undefined): JsonObject {
  if (raw === undefined || raw.trim() === '') return {}
  return parseJsonObjectParameter('Parameters', raw, 'a JSON object, e.g. {"name":"Zeke"}')
}

export type ExecutionService = ReturnType<typeof createExecutionService>

interface NewRun { sid: string, to: string, from: string, initiatedBy: string, context: JsonObject, concurrentCall?: boolean }

export interface BeginOptions {
  /** False: the caller runs the execution itself (an incoming call answers with what the flow says first). */
  run?: boolean
  /** More writes for the same transaction, made only when the execution was created (a call's row). */
  also?: (w: WriteBatch) => void
}

/** The engine's side of starting and ending: it runs what a create started, and resumes a subflow's parent. */
export interface EnginePort {
  started: (accountSid: string, sid: string) => void
  executionEnded: (accountSid: string, sid: string) => void
}

export function createExecutionService (deps: { store: Store, clock: Clock, flows: FlowService, writer: ExecutionWriter, engine: EnginePort }) {
  const { store, clock, flows, writer, engine } = deps

  /**
   * Starts an execution from a REST create; `created` is false when v1's rule handed back the contact's active
   * one. The create answers with the execution as started; the engine runs the flow right after, as Studio does.
   */
  async function start (caller: Caller, flowSid: string, req: StartRequest, rule: ActiveContactRule): Promise<{ execution: ExecutionRecord, created: boolean }> {
    if (Buffer.byteLength(req.to) + Buffer.byteLength(req.from) > MAX_CONTACT_BYTES) throw malformedContactParameters()
    const parameters = parseParameters(req.parameters)
    const sid = newSid('FN')
    const input = { sid, to: req.to, from: req.from, initiatedBy: req.initiatedBy, context: restContext(flowSid, sid, req, parameters) }
    // REST creates are group-committed: the answer goes out once the execution is on disk. The flow and its revision
    // are found inside that transaction, which holds SQLite's lock already: checking that no other process changed
    // the flows costs nothing there, and a flow the create refuses (404) rolls back only its own savepoint.
    let started
    try {
      started = await writer.enqueue(w => {
        const { flow, revision } = flows.executionTarget(caller, flowSid, req.to)
        return { result: create(w, caller.accountSid, flow, revision, input), flow }
      })
    } catch (err) {
      releaseSid(sid) // a refused create (unknown flow, …) never shifts STUDIO_SID_SEED's sequence
      throw err
    }
    const { result, flow } = started
    if (result.outcome !== 'created') releaseSid(sid)
    if (result.outcome === 'created' && flow.origin !== 'auto') engine.started(caller.accountSid, sid)
    if (result.outcome === 'active-exists') {
      if (rule === 'conflict') throw executionAlreadyActive(result.execution.sid)
      return { execution: result.execution, created: false }
    }
    return { execution: result.execution, created: true }
  }

  /**
   * Creates an execution at its Trigger and hands it to the engine. An auto-registered flow's definition is
   * unknown, so the engine leaves its executions alone: they stay active until ended.
   */
  function begin (accountSid: string, flow: FlowRecord, revision: FlowRevisionRecord, input: NewRun, options: BeginOptions = {}) {
    const result = writer.batch(w => {
      const created = create(w, accountSid, flow, revision, input)
      if (created.outcome === 'created') options.also?.(w)
      return created
    })
    if (result.outcome === 'created' && flow.origin !== 'auto' && options.run !== false) engine.started(accountSid, input.sid)
    if (result.outcome !== 'created') releaseSid(input.sid)
    return result
  }

  /** The writes of a start: the execution, its Context, and (for a flow the engine runs) its place at the Trigger. */
  function create (w: WriteBatch, accountSid: string, flow: FlowRecord, revision: FlowRevisionRecord, input: NewRun) {
    const created = w.create(accountSid, flow, {
      sid: input.sid,
      to: input.to,
      from: input.from,
      flowRevision: revision.revision,
      initiatedBy: input.initiatedBy,
      context: input.context,
      now: clock.now(),
      concurrentCall: input.concurrentCall
    })
    if (created.outcome === 'created' && flow.origin !== 'auto') w.setRunState(accountSid, input.sid, startingRunState(revision.definition))
    return created
  }

  /** Applies a Status update: active → ended once; nothing ever goes back to active. */
  function setStatus (caller: Caller, flowSid: string, sid: string, status: ExecutionStatus): ExecutionRecord {
    if (status === 'active') {
      const execution = store.getExecution(caller.accountSid, flowSid, sid)
      if (execution === undefined) throw resourceMissing()
      if (execution.status === 'ended') throw executionCannotBeReactivated(sid)
      return execution
    }
    const result = writer.end(caller.accountSid, flowSid, sid, 'ENDED_BY_API')
    if (result.outcome === 'not-found') throw resourceMissing()
    if (result.outcome === 'already-ended') throw executionAlreadyEnded(sid)
    engine.executionEnded(caller.accountSid, sid)
    return result.execution
  }

  return { start, begin, setStatus }
}
