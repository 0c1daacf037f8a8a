// Studio's voice webhook: what Twilio posts to the flow's webhook_url for a call, and the TwiML Studio answers.
// - A new CallSid starts an incomingCall execution (trigger.call = Twilio's voice webhook fields, defaults filled) and
//   answers with the TwiML of the first voice widget it reaches.
// - `?FlowEvent=…` (the URLs in that TwiML) reports to the voice widget the call waits on, which takes its event.
// - Twilio's status callback (CallStatus completed, busy, no-answer, failed, canceled) ends the call: the widget takes
//   `hangup` where it has it and the execution otherwise ends; an outbound call not yet answered takes busy,
//   noAnswer or failed at its make-outgoing-call widget. Answering an outbound call takes `answered`.
// URLs back to Studio in stored TwiML are relative (`?FlowEvent=…`); absoluteTwiml() roots them at the webhook URL.
import type { CallRecord } from '../db/calls.js'
import { LIVE_CALL_STATUSES } from '../db/calls.js'
import type { Store } from '../db/store.js'
import { invalidParameter, missingParameter, resourceMissing } from '../twilio/errors.js'
import { isSid, newSid } from '../twilio/sid.js'
import type { TwimlVerb } from '../twilio/twiml.js'
import type { JsonObject } from '../types.js'
import type { Clock } from '../clock.js'
import { contactAt, newExecutionContext } from './context.js'
import type { ExecutionService } from './executions.js'
import type { FlowService } from './flows.js'

/** The engine's side: runs a job for an execution; the promise settles when the execution waits or ends. */
export interface CallPort {
  deliver: (ref: { accountSid: string, sid: string }, job:
  | { kind: 'run' }
  | { kind: 'call', event: string, fields: Record<string, string>, step: number | null }
  | { kind: 'hangup', fields: Record<string, string> }) => Promise<void>
}

/**
 * What happened to a voice request: `started` a new execution, `resumed` the widget the call waits on, `answered`
 * an outbound call, `status` recorded a status callback, `current` answered the TwiML the call follows now,
 * `rejected` a caller blocked by a flow without concurrent calls, `ignored` a request for a call that is over or
 * unknown (never a new execution).
 */
export type VoiceOutcome = 'started' | 'resumed' | 'answered' | 'status' | 'current' | 'rejected' | 'ignored'

export interface VoiceAnswer {
  outcome: VoiceOutcome
  call: CallRecord | undefined
  /** The TwiML to answer with, its URLs back to Studio relative (absoluteTwiml() roots them). */
  twiml: TwimlVerb[]
}

/** Twilio's final call statuses (its status callback after the call). */
const FINAL_STATUSES: ReadonlySet<string> = new Set(['completed', 'busy', 'no-answer', 'failed', 'canceled'])

/**
 * Make Outgoing Call's event for an unanswered call's final status. `completed` before Twilio asked for the call's
 * TwiML cannot happen on a real call (answering comes first); taken as a call that failed, so the flow goes on.
 */
const UNANSWERED_EVENTS: Readonly<Record<string, string>> = { busy: 'busy', 'no-answer': 'noAnswer', failed: 'failed', canceled: 'failed', completed: 'failed' }

const HANGUP: TwimlVerb[] = [{ verb: 'Hangup' }]

/** Geographic fields Twilio sends for calls between phone numbers, empty when it has no data. */
const GEO_FIELDS = ['FromCity', 'FromState', 'FromZip', 'FromCountry', 'ToCity', 'ToState', 'ToZip', 'ToCountry',
  'CallerCity', 'CallerState', 'CallerZip', 'CallerCountry', 'CalledCity', 'CalledState', 'CalledZip', 'CalledCountry'] as const

/** `client:alice`, `sip:…`: not a phone number (no geographic fields). */
const NOT_A_NUMBER = /^(client|sip):/i

/**
 * The fields of Twilio's incoming-call webhook as Twilio posts them: the caller's, with Twilio's for those left out
 * (CallStatus ringing, Direction inbound, ApiVersion, Called = To, Caller = From, empty geographic fields for phone
 * numbers). AccountSid is always the webhook's account.
 */
export function incomingCallFields (accountSid: string, fields: Record<string, string>): Record<string, string> {
  const geo: Record<string, string> = {}
  if (!NOT_A_NUMBER.test(fields.From ?? '') && !NOT_A_NUMBER.test(fields.To ?? '')) for (const name of GEO_FIELDS) geo[name] = ''
  return {
    ...geo,
    CallStatus: 'ringing',
    Direction: 'inbound',
    ApiVersion: '2010-04-01',
    Called: fields.To ?? '',
    Caller: fields.From ?? '',
    ...fields,
    AccountSid: accountSid
  }
}

/** Whether a post to the flow webhook is a voice request (a call or its status callback) rather than a message. */
export const isVoiceRequest = (fields: Record<string, string>): boolean => fields.CallSid !== undefined || fields.CallStatus !== undefined

/** The TwiML with every URL back to Studio (`?FlowEvent=…`) made absolute on the flow's webhook URL. */
export function absoluteTwiml (verbs: readonly TwimlVerb[], webhookUrl: string): TwimlVerb[] {
  const root = (v: unknown) => typeof v === 'string' && v.startsWith('?FlowEvent=') ? webhookUrl + v : v
  return verbs.map(v => ({
    ...v,
    ...(v.attrs !== undefined && { attrs: Object.fromEntries(Object.entries(v.attrs).map(([k, x]) => [k, root(x) as string | number | boolean | undefined])) }),
    ...(v.text !== undefined && { text: root(v.text) as string }),
    ...(v.children !== undefined && { children: absoluteTwiml(v.children, webhookUrl) })
  }))
}

/** Studio's URL parameters on a voice request: the event and (ours) the wait it belongs to. */
export interface VoiceQuery {
  FlowEvent?: string | undefined
  FlowStep?: string | undefined
}

export type CallService = ReturnType<typeof createCallService>

export function createCallService (deps: { store: Store, clock: Clock, flows: FlowService, executions: ExecutionService, engine: CallPort }) {
  const { store, clock, flows, executions, engine } = deps

  /** A voice request at the flow's webhook (fields as Twilio posts them, Studio's URL parameters in `query`). */
  async function receive (accountSid: string, flowSid: string, fields: Record<string, string>, query: VoiceQuery): Promise<VoiceAnswer> {
    const callSid = fields.CallSid
    if (callSid === undefined || callSid === '') throw missingParameter('CallSid')
    if (!isSid('CA', callSid)) throw invalidParameter('CallSid', 'must be a Call SID (CA followed by 32 hex digits)')
    if (fields.Digits !== undefined && !/^[0-9*#]*$/.test(fields.Digits)) throw invalidParameter('Digits', 'must be keypad digits: 0-9, * and #')
    const step = query.FlowStep === undefined ? null : Number(query.FlowStep)
    if (step !== null && (!Number.isSafeInteger(step) || step < 0)) throw invalidParameter('FlowStep', 'must be a whole number')
    const flow = store.findFlow(accountSid, flowSid)
    if (flow === undefined) throw resourceMissing()
    const status = fields.CallStatus ?? ''
    const call = store.getCall(accountSid, callSid, flowSid)

    if (call === undefined) {
      // A report or status for a call this flow does not know: nothing starts, nothing changes.
      if (query.FlowEvent !== undefined || FINAL_STATUSES.has(status)) return { outcome: 'ignored', call: undefined, twiml: FINAL_STATUSES.has(status) ? [] : HANGUP }
      return await incoming(accountSid, flowSid, fields)
    }
    if (FINAL_STATUSES.has(status)) return await ended(call, status, fields)
    if (!LIVE_CALL_STATUSES.has(call.status)) return { outcome: 'ignored', call, twiml: HANGUP }
    const ref = { accountSid, sid: call.executionSid }
    const reported = { ...callFields(call), ...fields }
    if (call.direction === 'outbound-api' && call.status !== 'in-progress') {
      // The callee picked up: Twilio requests the call's URL (CallStatus in-progress, AnsweredBy with detection).
      if (status === 'ringing' || status === 'queued' || status === 'initiated') return { outcome: 'status', call, twiml: [] }
      await engine.deliver(ref, { kind: 'call', event: 'answered', fields: { ...reported, CallStatus: 'in-progress' }, step: null })
      return answer(call, 'answered')
    }
    if (query.FlowEvent !== undefined && query.FlowEvent !== '') {
      await engine.deliver(ref, { kind: 'call', event: query.FlowEvent, fields: reported, step })
      return answer(call, 'resumed')
    }
    return answer(call, 'current')
  }

  /** A new call at the flow: an incomingCall execution, run until it waits on the call (or ends). */
  async function incoming (accountSid: string, flowSid: string, given: Record<string, string>): Promise<VoiceAnswer> {
    for (const name of ['From', 'To']) if (given[name] === undefined || given[name] === '') throw missingParameter(name)
    const fields = incomingCallFields(accountSid, given)
    const from = fields.From as string
    const to = fields.To as string
    const callSid = fields.CallSid as string
    const { flow, revision } = flows.executionTarget({ accountSid, principalSid: accountSid }, flowSid, from)
    // Concurrent Calls (flags.allow_concurrent_calls, on unless a flow turns it off): one caller, several calls at once.
    const flags = revision.definition.flags
    const concurrent = !(flags !== null && typeof flags === 'object' && !Array.isArray(flags) && (flags as JsonObject).allow_concurrent_calls === false)
    const sid = newSid('FN')
    const now = clock.now()
    const context = newExecutionContext({ flowSid, executionSid: sid, channelAddress: to, contact: contactAt(from), trigger: { call: fields } })
    const record: CallRecord = {
      accountSid, sid: callSid, flowSid, executionSid: sid, direction: 'inbound', from, to, status: 'in-progress', answeredBy: null, twiml: null, twimlStep: null, dateCreated: now, dateUpdated: now
    }
    const result = executions.begin(accountSid, flow, revision, { sid, to: from, from: to, initiatedBy: callSid, context, concurrentCall: concurrent }, {
      run: false,
      also: () => store.insertCall(record)
    })
    // Without concurrent calls a caller whose execution is still active hears Twilio's not-in-service message.
    if (result.outcome !== 'created') return { outcome: 'rejected', call: undefined, twiml: [{ verb: 'Reject' }] }
    if (flow.origin !== 'auto') await engine.deliver({ accountSid, sid }, { kind: 'run' })
    return answer(record, 'started')
  }

  /** Twilio's status callback: the call is over (or an outbound one was never answered). */
  async function ended (call: CallRecord, status: string, fields: Record<string, string>): Promise<VoiceAnswer> {
    if (!LIVE_CALL_STATUSES.has(call.status)) return { outcome: 'ignored', call, twiml: [] }
    const ref = { accountSid: call.accountSid, sid: call.executionSid }
    const reported = { ...callFields(call), ...fields }
    const unanswered = call.direction === 'outbound-api' && call.status !== 'in-progress' ? UNANSWERED_EVENTS[status] : undefined
    store.setCallStatus(call, status as CallRecord['status'], clock.now())
    if (unanswered !== undefined) await engine.deliver(ref, { kind: 'call', event: unanswered, fields: reported, step: null })
    else await engine.deliver(ref, { kind: 'hangup', fields: reported })
    return { outcome: 'status', call: store.getCall(call.accountSid, call.sid, call.flowSid), twiml: [] }
  }

  /**
   * The TwiML the call follows now: the voice widget's it waits on; <Hangup/> once the execution has ended (the call
   * is then complete); while the execution waits for something else (a reply, say), a pause and a request back.
   */
  function answer (call: CallRecord, outcome: VoiceOutcome): VoiceAnswer {
    const current = store.getCall(call.accountSid, call.sid, call.flowSid) ?? call
    const e = store.getEngineExecution(call.accountSid, current.executionSid)
    if (e === undefined || e.execution.status === 'ended') {
      if (LIVE_CALL_STATUSES.has(current.status)) store.setCallStatus(current, 'completed', clock.now())
      return { outcome, call: store.getCall(call.accountSid, call.sid, call.flowSid), twiml: HANGUP }
    }
    // A flow whose definition the emulator does not know (auto mode) says nothing: Twilio ends the call.
    if (e.flowOrigin === 'auto') return { outcome, call: current, twiml: [] }
    if (e.waitKind === 'call' && current.twiml !== null && current.twimlStep === e.stepCount) return { outcome, call: current, twiml: current.twiml as unknown as TwimlVerb[] }
    return { outcome, call: current, twiml: [{ verb: 'Pause', attrs: { length: 1 } }, { verb: 'Redirect', text: '?FlowEvent=hold' }] }
  }

  /** The TwiML a call follows now, without changing anything. */
  function current (accountSid: string, callSid: string, flowSid: string | null = null): VoiceAnswer {
    const call = store.getCall(accountSid, callSid, flowSid)
    if (call === undefined) throw resourceMissing()
    if (!LIVE_CALL_STATUSES.has(call.status)) return { outcome: 'current', call, twiml: call.status === 'completed' ? HANGUP : [] }
    return answer(call, 'current')
  }

  return { receive, current }
}

/** The standard fields Twilio sends with every request about a call. */
export function callFields (call: CallRecord): Record<string, string> {
  return {
    AccountSid: call.accountSid,
    CallSid: call.sid,
    From: call.from,
    To: call.to,
    Caller: call.from,
    Called: call.to,
    CallStatus: call.status,
    Direction: call.direction,
    ApiVersion: '2010-04-01'
  }
}
