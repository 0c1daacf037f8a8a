// Step records → Twilio's ExecutionStep and ExecutionStepContext JSON (the same fields in v1 and v2).
import { toTwilioDate } from '../twilio/dates.js'
import type { JsonObject, StepRecord } from '../types.js'
import { executionUrl, type ApiVersion } from './execution.js'

function stepUrl (base: string, version: ApiVersion, s: StepRecord): string {
  return `${executionUrl(base, version, s.flowSid, s.executionSid)}/Steps/${s.sid}`
}

/** A Step's own `context` is {} like the Execution's: the widget's data is at …/Steps/{Sid}/Context. */
export function toStepResource (s: StepRecord, base: string, version: ApiVersion) {
  const url = stepUrl(base, version, s)
  return {
    sid: s.sid,
    account_sid: s.accountSid,
    flow_sid: s.flowSid,
    execution_sid: s.executionSid,
    parent_step_sid: s.parentStepSid,
    name: s.name,
    context: {},
    transitioned_from: s.transitionedFrom,
    transitioned_to: s.transitionedTo,
    type: s.type,
    date_created: toTwilioDate(s.dateCreated),
    date_updated: toTwilioDate(s.dateUpdated),
    url,
    links: { step_context: `${url}/Context` }
  }
}

export function toStepContextResource (s: StepRecord, context: JsonObject, base: string, version: ApiVersion) {
  return {
    account_sid: s.accountSid,
    context,
    execution_sid: s.executionSid,
    flow_sid: s.flowSid,
    step_sid: s.sid,
    url: `${stepUrl(base, version, s)}/Context`
  }
}
