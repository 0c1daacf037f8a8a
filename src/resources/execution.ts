// Execution records → Twilio's Execution (or Engagement) and its Context JSON.
import { toTwilioDate } from '../twilio/dates.js'
import type { ExecutionRecord, JsonObject } from '../types.js'
import { executionUrl, type ExecutionSurface } from './surface.js'

/**
 * `context` is {} on the Execution itself in every Twilio example and real response: the data lives at …/Context.
 * v2 adds `flow_version` (the flow revision the execution runs) and `initiated_by`.
 */
export function toExecutionResource (e: ExecutionRecord, base: string, surface: ExecutionSurface) {
  const url = executionUrl(base, surface, e.flowSid, e.sid)
  const resource: Record<string, unknown> = {
    sid: e.sid,
    account_sid: e.accountSid,
    flow_sid: e.flowSid,
    contact_sid: e.contactSid,
    contact_channel_address: e.contactChannelAddress,
    context: {},
    status: e.status,
    date_created: toTwilioDate(e.dateCreated),
    date_updated: toTwilioDate(e.dateUpdated),
    url,
    links: { steps: `${url}/Steps`, [surface.contextLink]: `${url}/Context` }
  }
  if (surface.v2Fields) {
    resource.flow_version = e.flowRevision
    resource.initiated_by = e.initiatedBy
  }
  return resource
}

export function toExecutionContextResource (e: ExecutionRecord, context: JsonObject, base: string, surface: ExecutionSurface) {
  return {
    account_sid: e.accountSid,
    context,
    flow_sid: e.flowSid,
    [surface.parentSidField]: e.sid,
    url: `${executionUrl(base, surface, e.flowSid, e.sid)}/Context`
  }
}
