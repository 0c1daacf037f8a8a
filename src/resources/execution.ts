// Execution records → Twilio's Execution (or Engagement) and its Context JSON.
import { toTwilioDate } from '../twilio/dates.js'
import { jsonNullableString, jsonString } from '../twilio/json.js'
import type { ExecutionRecord, JsonObject } from '../types.js'
import { executionUrl, type ExecutionSurface } from './surface.js'

/**
 * The Execution as JSON text, fields in twilio-oai's order. Built by hand because executions are what users
 * create, fetch and list most (bench/README.md). SIDs and the base URL need no escaping: SIDs always match their
 * patterns (generated here, validated on every path and on snapshot import) and a base URL is a validated host or
 * a serialized URL; free text (To, initiated_by) is escaped. `context` is {} on the Execution in every Twilio example and real response (the data is at
 * …/Context); v2 adds `flow_version` (the revision it runs) and `initiated_by`.
 */
export function executionJson (e: ExecutionRecord, base: string, surface: ExecutionSurface): string {
  const url = `${base}/${surface.version}/Flows/${e.flowSid}/${surface.collection}/${e.sid}`
  return `{"sid":"${e.sid}","account_sid":"${e.accountSid}","flow_sid":"${e.flowSid}",` +
    `"contact_sid":"${e.contactSid}","contact_channel_address":${jsonString(e.contactChannelAddress)},` +
    (surface.v2Fields ? `"flow_version":${e.flowRevision},` : '') +
    `"context":{},"status":"${e.status}","date_created":"${toTwilioDate(e.dateCreated)}","date_updated":"${toTwilioDate(e.dateUpdated)}",` +
    (surface.v2Fields ? `"initiated_by":${jsonNullableString(e.initiatedBy)},` : '') +
    `"url":"${url}","links":{"steps":"${url}/Steps","${surface.contextLink}":"${url}/Context"}}`
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
