// Flow records → Twilio's v1 Flow, v2 Flow, FlowRevision and TestUser JSON.
import { toTwilioDate } from '../twilio/dates.js'
import type { FlowRecord, FlowRevisionRecord } from '../types.js'

const date = (ms: number | null): string | null => ms === null ? null : toTwilioDate(ms)

/**
 * v2 Flow: the latest revision's fields. In lists, `definition`, `valid`, `errors` and `warnings` are null
 * ("Flow definitions are null in the Flows List Resource"). `webhook_url` is Studio's
 * /v1/Accounts/{AccountSid}/Flows/{FlowSid} on the emulator's own base, where inbound messages are simulated.
 */
export function toFlowV2Resource (flow: FlowRecord, latest: FlowRevisionRecord | undefined, base: string) {
  const url = `${base}/v2/Flows/${flow.sid}`
  return {
    sid: flow.sid,
    account_sid: flow.accountSid,
    author_sid: flow.authorSid,
    friendly_name: flow.friendlyName,
    definition: latest?.definition ?? null,
    status: flow.status,
    revision: flow.revision,
    commit_message: latest?.commitMessage ?? null,
    valid: latest?.valid ?? null,
    errors: latest?.errors ?? null,
    warnings: latest?.warnings ?? null,
    date_created: toTwilioDate(flow.dateCreated),
    date_updated: date(flow.dateUpdated),
    webhook_url: `${base}/v1/Accounts/${flow.accountSid}/Flows/${flow.sid}`,
    url,
    links: { test_users: `${url}/TestUsers`, revisions: `${url}/Revisions`, executions: `${url}/Executions` }
  }
}

/** v1 Flow: `version` is the revision number. */
export function toFlowV1Resource (flow: FlowRecord, base: string) {
  const url = `${base}/v1/Flows/${flow.sid}`
  return {
    sid: flow.sid,
    account_sid: flow.accountSid,
    friendly_name: flow.friendlyName,
    status: flow.status,
    version: flow.revision,
    date_created: toTwilioDate(flow.dateCreated),
    date_updated: date(flow.dateUpdated),
    url,
    links: { engagements: `${url}/Engagements`, executions: `${url}/Executions` }
  }
}

/** A revision; in lists its definition is null like the Flows list's. */
export function toFlowRevisionResource (r: FlowRevisionRecord, base: string, inList = false) {
  return {
    sid: r.flowSid,
    account_sid: r.accountSid,
    author_sid: r.authorSid,
    definition: inList ? null : r.definition,
    friendly_name: r.friendlyName,
    status: r.status,
    revision: r.revision,
    commit_message: r.commitMessage,
    valid: inList ? null : r.valid,
    errors: inList ? null : r.errors,
    date_created: toTwilioDate(r.dateCreated),
    date_updated: date(r.dateUpdated),
    url: `${base}/v2/Flows/${r.flowSid}/Revisions/${r.revision}`
  }
}

export function toTestUsersResource (flow: FlowRecord, base: string) {
  return { sid: flow.sid, test_users: flow.testUsers, url: `${base}/v2/Flows/${flow.sid}/TestUsers` }
}
