// Twilio Event Streams' Studio events as CloudEvents 1.0: execution started/ended and step ended, with the data
// fields of Twilio's Studio.FlowExecutionEvent/2 and Studio.FlowStepEvent/1 schemas (dates with milliseconds).
// FlowExecutionEvent/2 types every field as a string (flow_revision an integer) and does not require ended_reason or
// date_updated (Twilio's field list on docs/events/event-types/studio/flow); FlowStepEvent/1's field list is known
// but not which fields it requires (test/events/schemas.test.ts says where each comes from). ended_reason and
// parent_step_sid (a subflow step's only) are left out when they have no value rather than sent as null. Ids are EZ + 32 hex, as
// Twilio's Event Streams event ids; events stored before carry EV ids and are delivered as they are.
import { newSid } from '../twilio/sid.js'
import type { ExecutionRecord, StepRecord } from '../types.js'

export const EXECUTION_STARTED = 'com.twilio.studio.flow.execution.started'
export const EXECUTION_ENDED = 'com.twilio.studio.flow.execution.ended'
export const STEP_ENDED = 'com.twilio.studio.flow.step.ended'

export interface CloudEvent {
  specversion: '1.0'
  type: string
  source: string
  id: string
  time: string
  datacontenttype: 'application/json'
  dataschema: string
  data: Record<string, unknown>
}

const iso = (ms: number | null): string | null => ms === null ? null : new Date(ms).toISOString()

function envelope (type: string, source: string, dataschema: string, time: number, data: Record<string, unknown>): CloudEvent {
  return { specversion: '1.0', type, source, id: newSid('EZ'), time: new Date(time).toISOString(), datacontenttype: 'application/json', dataschema, data }
}

/** execution.started / execution.ended for an execution as it is now (fields in the order of Twilio's example). */
export function executionEvent (type: typeof EXECUTION_STARTED | typeof EXECUTION_ENDED, e: ExecutionRecord, time: number): CloudEvent {
  const ended = type === EXECUTION_ENDED
  const data: Record<string, unknown> = {
    execution_sid: e.sid,
    account_sid: e.accountSid,
    flow_sid: e.flowSid,
    contact_channel_address: e.contactChannelAddress,
    status: ended ? 'ended' : 'active',
    ...(ended && e.endedReason !== null && { ended_reason: e.endedReason }),
    date_created: iso(e.dateCreated),
    date_updated: iso(ended ? e.dateUpdated : e.dateCreated),
    started_by: e.initiatedBy,
    flow_revision: e.flowRevision
  }
  return envelope(type, `/v2/Flows/${e.flowSid}/Executions/${e.sid}`, 'https://events-schemas.twilio.com/Studio.FlowExecutionEvent/2', time, data)
}

export function stepEndedEvent (s: StepRecord, time: number): CloudEvent {
  return envelope(STEP_ENDED, `/v2/Flows/${s.flowSid}/Executions/${s.executionSid}/Steps/${s.sid}`, 'https://events-schemas.twilio.com/Studio.FlowStepEvent/1', time, {
    account_sid: s.accountSid,
    flow_sid: s.flowSid,
    execution_sid: s.executionSid,
    step_sid: s.sid,
    // Only a step inside a subflow has a parent step.
    ...(s.parentStepSid !== null && { parent_step_sid: s.parentStepSid }),
    name: s.name,
    transitioned_from: s.transitionedFrom,
    transitioned_to: s.transitionedTo,
    date_created: iso(s.dateCreated)
  })
}
