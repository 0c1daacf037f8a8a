// Execution records → Twilio's Execution and ExecutionContext JSON, for v1 and v2.
import { toTwilioDate } from '../twilio/dates.js'
import type { ExecutionRecord, JsonObject } from '../types.js'

export type ApiVersion = 'v1' | 'v2'

export function executionUrl (base: string, version: ApiVersion, flowSid: string, sid: string): string {
  return `${base}/${version}/Flows/${flowSid}/Executions/${sid}`
}

export interface ExecutionResource {
  sid: string
  account_sid: string
  flow_sid: string
  contact_sid: string
  contact_channel_address: string
  flow_version?: number | null
  context: JsonObject
  status: string
  date_created: string
  date_updated: string
  initiated_by?: string | null
  url: string
  links: { steps: string, execution_context: string }
}

/**
 * `context` is {} on the Execution itself in every Twilio example and real response: the data lives at …/Context.
 * v2 adds `flow_version` (the flow revision the execution runs) and `initiated_by`.
 */
export function toExecutionResource (e: ExecutionRecord, base: string, version: ApiVersion): ExecutionResource {
  const url = executionUrl(base, version, e.flowSid, e.sid)
  const resource: ExecutionResource = {
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
    links: { steps: `${url}/Steps`, execution_context: `${url}/Context` }
  }
  if (version === 'v2') {
    resource.flow_version = e.flowRevision
    resource.initiated_by = e.initiatedBy
  }
  return resource
}

export function toExecutionContextResource (e: ExecutionRecord, context: JsonObject, base: string, version: ApiVersion) {
  return {
    account_sid: e.accountSid,
    context,
    flow_sid: e.flowSid,
    execution_sid: e.sid,
    url: `${executionUrl(base, version, e.flowSid, e.sid)}/Context`
  }
}
