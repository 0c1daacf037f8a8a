// Step records → Twilio's ExecutionStep (or Engagement Step) and Step Context JSON.
import { toTwilioDate } from '../twilio/dates.js'
import type { JsonObject, StepRecord } from '../types.js'
import { executionUrl, type ExecutionSurface } from './surface.js'

function stepUrl (base: string, surface: ExecutionSurface, s: StepRecord): string {
  return `${executionUrl(base, surface, s.flowSid, s.executionSid)}/Steps/${s.sid}`
}

/** A Step's own `context` is {} like the Execution's: the data is at …/Steps/{Sid}/Context. */
export function toStepResource (s: StepRecord, base: string, surface: ExecutionSurface) {
  const url = stepUrl(base, surface, s)
  return {
    sid: s.sid,
    account_sid: s.accountSid,
    flow_sid: s.flowSid,
    [surface.parentSidField]: s.executionSid,
    parent_step_sid: s.parentStepSid,
    name: s.name,
    context: {},
    transitioned_from: s.transitionedFrom,
    transitioned_to: s.transitionedTo,
    type: s.type,
    date_created: toTwilioDate(s.dateCreated),
    date_updated: s.dateUpdated === null ? null : toTwilioDate(s.dateUpdated),
    url,
    links: { step_context: `${url}/Context` }
  }
}

export function toStepContextResource (s: StepRecord, context: JsonObject, base: string, surface: ExecutionSurface) {
  return {
    account_sid: s.accountSid,
    context,
    [surface.parentSidField]: s.executionSid,
    flow_sid: s.flowSid,
    step_sid: s.sid,
    url: `${stepUrl(base, surface, s)}/Context`
  }
}
