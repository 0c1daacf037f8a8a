// The flow engine's run state: where each execution is, what it waits for, its limits and its parent. Part of the
// data layer: every statement prepared once here.
import type { DB } from './open.js'
import { contactSid } from '../twilio/sid.js'
import type { ExecutionRecord, FlowOrigin, JsonObject } from '../types.js'

/** What an execution waits for: 'run' means it has work to do now (picked up again after a restart). */
export type WaitKind = 'run' | 'reply' | 'subflow' | 'call'

export interface RunState {
  currentWidget: string | null
  waitKind: WaitKind | null
  waitUntil: number | null
  /** The event taken when waitUntil passes; null for `timeout`. */
  waitEvent: string | null
  pendingStepSid: string | null
  stepCount: number
  repeatWidget: string | null
  repeatCount: number
  parentExecutionSid: string | null
  parentStepSid: string | null
}

/** A subflow running inside the execution: its flow and revision, its current widget (null once it has finished), its context. */
export interface Frame {
  flowSid: string
  revision: number
  widget: string | null
  context: JsonObject
}

export interface EngineExecution extends RunState {
  execution: ExecutionRecord
  flowOrigin: FlowOrigin
  frame: Frame | null
}

/** An execution to look at again: its account, flow and SID. */
export interface ExecutionRef {
  accountSid: string
  flowSid: string
  sid: string
}

const STATE_COLUMNS = `e.id, f.account_sid AS accountSid, f.sid AS flowSid, e.sid,
  e.contact_channel_address AS contactChannelAddress, e.from_address AS fromAddress, e.status,
  e.ended_reason AS endedReason, e.flow_revision AS flowRevision, e.initiated_by AS initiatedBy,
  e.date_created AS dateCreated, e.date_updated AS dateUpdated, f.origin AS flowOrigin,
  e.current_widget AS currentWidget, e.wait_kind AS waitKind, e.wait_until AS waitUntil, e.wait_event AS waitEvent,
  e.pending_step_sid AS pendingStepSid, e.step_count AS stepCount, e.repeat_widget AS repeatWidget,
  e.repeat_count AS repeatCount, e.parent_execution_sid AS parentExecutionSid, e.parent_step_sid AS parentStepSid,
  e.frame_flow_sid AS frameFlowSid, e.frame_revision AS frameRevision, e.frame_widget AS frameWidget, e.frame_context AS frameContext`

const REF_FROM = 'FROM executions e JOIN flows f ON f.id = e.flow_id'

type StateRow = ExecutionRecord & RunState & { flowOrigin: FlowOrigin, frameFlowSid: string | null, frameRevision: number | null, frameWidget: string | null, frameContext: string | null }

function toEngineExecution (row: StateRow | undefined): EngineExecution | undefined {
  if (row === undefined) return undefined
  const { flowOrigin, currentWidget, waitKind, waitUntil, waitEvent, pendingStepSid, stepCount, repeatWidget, repeatCount, parentExecutionSid, parentStepSid, frameFlowSid, frameRevision, frameWidget, frameContext, ...execution } = row
  const frame = frameFlowSid === null ? null : { flowSid: frameFlowSid, revision: frameRevision ?? 0, widget: frameWidget, context: JSON.parse(frameContext ?? '{}') as JsonObject }
  // Not stored: derived from the account and the address (migration 0012).
  execution.contactSid = contactSid(execution.accountSid, execution.contactChannelAddress)
  return { execution, flowOrigin, frame, currentWidget, waitKind, waitUntil, waitEvent, pendingStepSid, stepCount, repeatWidget, repeatCount, parentExecutionSid, parentStepSid }
}

export type RunStateRepository = ReturnType<typeof createRunStateRepository>

export function createRunStateRepository (db: DB) {
  const s = {
    get: db.prepare(`SELECT ${STATE_COLUMNS} ${REF_FROM} WHERE e.sid = ? AND f.account_sid = ?`),
    getWithContext: db.prepare(`SELECT ${STATE_COLUMNS}, c.context AS contextJson ${REF_FROM} JOIN execution_contexts c ON c.execution_id = e.id
      WHERE e.sid = ? AND f.account_sid = ?`),
    setState: db.prepare(`UPDATE executions SET current_widget = @currentWidget, wait_kind = @waitKind, wait_until = @waitUntil, wait_event = @waitEvent,
        pending_step_sid = @pendingStepSid, step_count = @stepCount, repeat_widget = @repeatWidget, repeat_count = @repeatCount
      WHERE sid = @sid AND status = 'active' AND flow_id IN (SELECT id FROM flows WHERE account_sid = @accountSid)`),
    setFrame: db.prepare(`UPDATE executions SET frame_flow_sid = @flowSid, frame_revision = @revision, frame_widget = @widget,
        frame_context = @context
      WHERE sid = @sid AND status = 'active' AND flow_id IN (SELECT id FROM flows WHERE account_sid = @accountSid)`),
    work: db.prepare(`SELECT f.account_sid AS accountSid, f.sid AS flowSid, e.sid ${REF_FROM} WHERE e.wait_kind = 'run' LIMIT ?`),
    dueWaits: db.prepare(`SELECT f.account_sid AS accountSid, f.sid AS flowSid, e.sid ${REF_FROM}
      WHERE e.wait_until IS NOT NULL AND e.wait_until <= ? ORDER BY e.wait_until LIMIT ?`),
    expired: db.prepare(`SELECT f.account_sid AS accountSid, f.sid AS flowSid, e.sid ${REF_FROM}
      WHERE e.status = 'active' AND e.date_created <= ? ORDER BY e.date_created LIMIT ?`),
    // The channel address is To or, when the message came through a Messaging Service, that service's SID (an
    // execution started over REST with From=MG…); the exact address wins when both have an active execution.
    activeForContact: db.prepare(`SELECT ${STATE_COLUMNS} ${REF_FROM}
      WHERE f.account_sid = ? AND f.sid = ? AND e.contact_channel_address = ? AND e.from_address = ?
        AND e.status = 'active' AND e.concurrent_call = 0`),
    activeForContactOrService: db.prepare(`SELECT ${STATE_COLUMNS} ${REF_FROM}
      WHERE f.account_sid = @accountSid AND f.sid = @flowSid AND e.contact_channel_address = @contact
        AND e.from_address IN (@channel, @service) AND e.status = 'active' AND e.concurrent_call = 0
      ORDER BY e.from_address = @channel DESC LIMIT 1`)
  }

  /** An execution with its engine state, scoped to the account (SIDs are unique, so no flow is needed). */
  function getEngineExecution (accountSid: string, sid: string): EngineExecution | undefined {
    return toEngineExecution(s.get.get(sid, accountSid) as StateRow | undefined)
  }

  /** The same with the execution's Context document, in one read (where the engine picks an execution up). */
  function getEngineExecutionWithContext (accountSid: string, sid: string): { e: EngineExecution, context: JsonObject } | undefined {
    const row = s.getWithContext.get(sid, accountSid) as (StateRow & { contextJson: string }) | undefined
    if (row === undefined) return undefined
    const { contextJson, ...state } = row
    return { e: toEngineExecution(state) as EngineExecution, context: JSON.parse(contextJson) as JsonObject }
  }

  /** Saves where an active execution is; false when it is no longer active (ended meanwhile). */
  function setRunState (accountSid: string, sid: string, state: Omit<RunState, 'parentExecutionSid' | 'parentStepSid'>): boolean {
    return s.setState.run({ accountSid, sid, ...state }).changes === 1
  }

  /** Saves (or, with null, clears) the subflow running inside an active execution. */
  function setFrame (accountSid: string, sid: string, frame: Frame | null): void {
    s.setFrame.run({
      accountSid,
      sid,
      flowSid: frame?.flowSid ?? null,
      revision: frame?.revision ?? null,
      widget: frame?.widget ?? null,
      context: frame === null ? null : JSON.stringify(frame.context)
    })
  }

  /** Executions left mid-run (by a crash or a stop): their engine work must be picked up again. */
  function executionsWithWork (limit: number): ExecutionRef[] {
    return s.work.all(limit) as ExecutionRef[]
  }

  function executionsWithDueWaits (now: number, limit: number): ExecutionRef[] {
    return s.dueWaits.all(now, limit) as ExecutionRef[]
  }

  function activeExecutionsCreatedBefore (cutoff: number, limit: number): ExecutionRef[] {
    return s.expired.all(cutoff, limit) as ExecutionRef[]
  }

  /**
   * The active execution of a flow for a contact and channel address (an inbound message's From and To). With a
   * Messaging Service SID, an execution whose channel address is that service (From=MG… over REST) matches too;
   * one on the exact address is preferred.
   */
  function activeExecutionForContact (accountSid: string, flowSid: string, contact: string, channel: string, messagingServiceSid?: string): EngineExecution | undefined {
    // Without a service there is one candidate (the unique index of active executions per contact and address).
    if (messagingServiceSid === undefined || messagingServiceSid === '' || messagingServiceSid === channel) {
      return toEngineExecution(s.activeForContact.get(accountSid, flowSid, contact, channel) as StateRow | undefined)
    }
    return toEngineExecution(s.activeForContactOrService.get({ accountSid, flowSid, contact, channel, service: messagingServiceSid }) as StateRow | undefined)
  }

  return {
    getEngineExecution,
    getEngineExecutionWithContext,
    setRunState,
    setFrame,
    executionsWithWork,
    executionsWithDueWaits,
    activeExecutionsCreatedBefore,
    activeExecutionForContact
  }
}
