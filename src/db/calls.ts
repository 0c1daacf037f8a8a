// Calls: the voice side of executions (an incoming call, or one a make-outgoing-call widget placed), with the TwiML
// each follows now. Part of the data layer: every statement prepared once here; accountSid in every WHERE clause.
import type { DB } from './open.js'
import type { JsonObject } from '../types.js'

export type CallDirection = 'inbound' | 'outbound-api'
/** Twilio's call statuses. */
export type CallStatus = 'queued' | 'ringing' | 'in-progress' | 'completed' | 'busy' | 'no-answer' | 'failed' | 'canceled'

export const LIVE_CALL_STATUSES: ReadonlySet<string> = new Set(['queued', 'ringing', 'in-progress'])

export interface CallRecord {
  accountSid: string
  sid: string
  flowSid: string
  executionSid: string
  direction: CallDirection
  from: string
  to: string
  status: CallStatus
  answeredBy: string | null
  /** The verbs of the TwiML the call follows now (twilio/twiml.ts TwimlVerb[]), null before the first. */
  twiml: JsonObject[] | null
  /** The execution's step count at the wait that wrote `twiml`: it is current while the execution still waits there. */
  twimlStep: number | null
  dateCreated: number
  dateUpdated: number
}

const COLUMNS = `account_sid AS accountSid, sid, flow_sid AS flowSid, execution_sid AS executionSid, direction,
  from_address AS "from", to_address AS "to", status, answered_by AS answeredBy, twiml, twiml_step AS twimlStep, date_created AS dateCreated,
  date_updated AS dateUpdated`

type Row = Omit<CallRecord, 'twiml'> & { twiml: string | null }
const toCall = (r: Row | undefined): CallRecord | undefined => r === undefined ? undefined : { ...r, twiml: r.twiml === null ? null : JSON.parse(r.twiml) as JsonObject[] }

export type CallRepository = ReturnType<typeof createCallRepository>

export function createCallRepository (db: DB) {
  const s = {
    insert: db.prepare(`INSERT INTO calls (account_sid, sid, flow_sid, execution_sid, direction, from_address, to_address, status,
        answered_by, twiml, twiml_step, date_created, date_updated)
      VALUES (@accountSid, @sid, @flowSid, @executionSid, @direction, @from, @to, @status, @answeredBy, @twiml, @twimlStep, @dateCreated, @dateUpdated)`),
    get: db.prepare(`SELECT ${COLUMNS} FROM calls WHERE sid = @sid AND account_sid = @accountSid AND (@flowSid IS NULL OR flow_sid = @flowSid)
      ORDER BY id DESC LIMIT 1`),
    // The call an execution drives now: its newest.
    ofExecution: db.prepare(`SELECT ${COLUMNS} FROM calls WHERE execution_sid = ? AND account_sid = ? ORDER BY id DESC LIMIT 1`),
    list: db.prepare(`SELECT ${COLUMNS} FROM calls
      WHERE (@accountSid IS NULL OR account_sid = @accountSid) AND (@executionSid IS NULL OR execution_sid = @executionSid)
        AND (@flowSid IS NULL OR flow_sid = @flowSid) AND (@sid IS NULL OR sid = @sid)
      ORDER BY id DESC LIMIT @limit`),
    setStatus: db.prepare(`UPDATE calls SET status = @status, answered_by = coalesce(@answeredBy, answered_by), date_updated = @now
      WHERE sid = @sid AND account_sid = @accountSid AND flow_sid = @flowSid`),
    setTwiml: db.prepare(`UPDATE calls SET twiml = @twiml, twiml_step = @step, date_updated = @now
      WHERE sid = @sid AND account_sid = @accountSid AND flow_sid = @flowSid`)
  }

  function insertCall (c: CallRecord): void {
    s.insert.run({ ...c, twiml: c.twiml === null ? null : JSON.stringify(c.twiml) })
  }

  /** A call by SID (of the given flow; without one, the newest flow it reached). */
  function getCall (accountSid: string, sid: string, flowSid: string | null = null): CallRecord | undefined {
    return toCall(s.get.get({ accountSid, sid, flowSid }) as Row | undefined)
  }

  function callOfExecution (accountSid: string, executionSid: string): CallRecord | undefined {
    return toCall(s.ofExecution.get(executionSid, accountSid) as Row | undefined)
  }

  /** Calls newest first, of one account or (null) every account. */
  function listCalls (accountSid: string | null, f: { executionSid?: string | undefined, flowSid?: string | undefined, sid?: string | undefined, limit: number }): CallRecord[] {
    return (s.list.all({ accountSid, executionSid: f.executionSid ?? null, flowSid: f.flowSid ?? null, sid: f.sid ?? null, limit: f.limit }) as Row[]).map(r => toCall(r) as CallRecord)
  }

  function setCallStatus (call: Pick<CallRecord, 'accountSid' | 'sid' | 'flowSid'>, status: CallStatus, now: number, answeredBy: string | null = null): void {
    s.setStatus.run({ accountSid: call.accountSid, sid: call.sid, flowSid: call.flowSid, status, answeredBy, now })
  }

  function setCallTwiml (call: Pick<CallRecord, 'accountSid' | 'sid' | 'flowSid'>, twiml: JsonObject[], step: number, now: number): void {
    s.setTwiml.run({ accountSid: call.accountSid, sid: call.sid, flowSid: call.flowSid, twiml: JSON.stringify(twiml), step, now })
  }

  return { insertCall, getCall, callOfExecution, listCalls, setCallStatus, setCallTwiml }
}
