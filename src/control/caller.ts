// Playing the other side of a flow for tests and demos that do not speak TwiML: a caller and Twilio's voice engine
// (start a call, press digits, say a phrase, answer or refuse an outbound call, hang up), and a Conversations
// participant. It drives the same loop Twilio does: it posts to Studio's webhook (studio/calls.ts) what Twilio would
// post for the TwiML the call follows, and reads the TwiML Studio answers. Each action answers with what the caller
// heard on the way (rendered Say/Play) and what the call waits for now.
import type { CallRecord } from '../db/calls.js'
import { LIVE_CALL_STATUSES } from '../db/calls.js'
import type { Store } from '../db/store.js'
import { callFields, type CallService, type VoiceAnswer } from '../studio/calls.js'
import type { InboundService } from '../studio/inbound.js'
import { contactStateConflict, invalidParameter, resourceMissing } from '../twilio/errors.js'
import { newSid } from '../twilio/sid.js'
import type { TwimlVerb } from '../twilio/twiml.js'

/** Something the caller heard: a Say (with its voice and language), a Play, tones (digits), a pause. */
export type Heard =
  | { say: string, voice?: string, language?: string, loop?: number }
  | { play: string, loop?: number }
  | { digits: string }
  | { pause: number }

/**
 * What the call waits for after an action: `digits`/`speech` (a Gather listens; both when it takes either), `dial`,
 * `record`, `queue`, `pay` (the verb runs until `continue` ends it), `redirect` (TwiML elsewhere; `continue` returns
 * to Studio), `answer` (an outbound call rings), `flow` (the execution works on something else), or null (ended).
 */
export type WaitingFor = 'digits' | 'speech' | 'digits speech' | 'dial' | 'record' | 'queue' | 'pay' | 'redirect' | 'answer' | 'flow' | null

export interface CallState {
  call: CallRecord
  heard: Heard[]
  waitingFor: WaitingFor
  /** The TwiML the call follows now (relative URLs back to Studio). */
  twiml: TwimlVerb[]
}

/** At most this many Say/Play widgets followed in one action (a flow that loops on audio stops at Studio's limits anyway). */
const MAX_FOLLOWS = 50

const ACTION_VERBS: Readonly<Record<string, WaitingFor>> = { Dial: 'dial', Record: 'record', Enqueue: 'queue', Pay: 'pay' }

/** Studio's URL parameters in a URL back to it (`?FlowEvent=audioComplete&FlowStep=3`). */
function studioQuery (url: unknown): { FlowEvent?: string, FlowStep?: string } | undefined {
  if (typeof url !== 'string' || !url.startsWith('?')) return undefined
  const q = new URLSearchParams(url.slice(1))
  return { FlowEvent: q.get('FlowEvent') ?? undefined, FlowStep: q.get('FlowStep') ?? undefined }
}

function heardIn (verbs: readonly TwimlVerb[]): Heard[] {
  const out: Heard[] = []
  for (const v of verbs) {
    const loop = typeof v.attrs?.loop === 'number' ? { loop: v.attrs.loop } : {}
    if (v.verb === 'Say') {
      out.push({ say: v.text ?? '', ...(typeof v.attrs?.voice === 'string' && { voice: v.attrs.voice }), ...(typeof v.attrs?.language === 'string' && { language: v.attrs.language }), ...loop })
    } else if (v.verb === 'Play') out.push(typeof v.attrs?.digits === 'string' ? { digits: v.attrs.digits } : { play: v.text ?? '', ...loop })
    else if (v.verb === 'Pause') out.push({ pause: Number(v.attrs?.length ?? 1) })
    else if (v.verb === 'Gather') out.push(...heardIn(v.children ?? []))
  }
  return out
}

/** What Twilio does next with a TwiML document: the verb that waits, or the Redirect it follows at once. */
function nextStep (verbs: readonly TwimlVerb[]): { waiting: WaitingFor, verb?: TwimlVerb, follow?: { FlowEvent?: string, FlowStep?: string } } {
  for (const v of verbs) {
    if (v.verb === 'Gather') return { waiting: String(v.attrs?.input ?? 'dtmf').includes('speech') ? 'digits speech' : 'digits', verb: v }
    const action = ACTION_VERBS[v.verb]
    if (action !== undefined) return { waiting: action, verb: v }
    if (v.verb === 'Redirect') {
      const q = studioQuery(v.text)
      // A pause while the flow works on something else: asking again changes nothing until it is back on the call.
      if (q?.FlowEvent === 'hold') return { waiting: 'flow', verb: v }
      return q === undefined ? { waiting: 'redirect', verb: v } : { waiting: null, verb: v, follow: q }
    }
    if (v.verb === 'Hangup' || v.verb === 'Reject') return { waiting: null }
  }
  return { waiting: null }
}

export type Caller = ReturnType<typeof createCaller>

export function createCaller (deps: { store: Store, calls: CallService, inbound: InboundService }) {
  const { store, calls, inbound } = deps

  /** The call by SID, in any account (the control API is the operator's). */
  function findCall (callSid: string): CallRecord {
    const call = store.listCalls(null, { sid: callSid, limit: 1 })[0]
    if (call === undefined) throw resourceMissing()
    return call
  }

  /** The account a flow belongs to: the given one, or the only account that has it. */
  function accountOf (flowSid: string, accountSid: string | undefined): string {
    const owners = store.accountsWithFlow(flowSid)
    if (accountSid !== undefined) {
      if (!owners.includes(accountSid)) throw invalidParameter('flow_sid', `account ${accountSid} has no flow ${flowSid}`)
      return accountSid
    }
    if (owners.length === 0) throw invalidParameter('flow_sid', `no account has a flow ${flowSid}`)
    if (owners.length > 1) throw invalidParameter('account_sid', `is required: ${owners.length} accounts have flow ${flowSid}`)
    return owners[0] as string
  }

  /** Fields of Twilio's request that say which call it is about and where it stands. */
  const CALL_IDENTITY: ReadonlySet<string> = new Set(['CallSid', 'AccountSid', 'From', 'To', 'Caller', 'Called', 'Direction', 'CallStatus', 'ApiVersion'])

  async function post (call: CallRecord, fields: Record<string, string>, query: { FlowEvent?: string | undefined, FlowStep?: string | undefined } = {}): Promise<VoiceAnswer> {
    return await calls.receive(call.accountSid, call.flowSid, { ...callFields(call), ...fields }, query)
  }

  /**
   * Follows the TwiML as Twilio would while nobody acts: Say/Play then the Redirect back to Studio (audioComplete),
   * until a verb waits (Gather, Dial, Record, Enqueue, Pay, a Redirect elsewhere) or the call ends. TwiML that ends
   * the call (Hangup, or nothing more to do) gets Twilio's status callback, so Studio hears the call completed.
   */
  async function follow (answer: VoiceAnswer, call: CallRecord, heard: Heard[], alreadyHeard = false): Promise<CallState> {
    let current = answer
    for (let i = 0; i < MAX_FOLLOWS; i++) {
      const c = current.call ?? call
      const step = nextStep(current.twiml)
      // The TwiML the call is at was heard when an earlier action answered it, unless it is audio still to be played.
      if (!(i === 0 && alreadyHeard && step.follow === undefined)) heard.push(...heardIn(current.twiml))
      if (step.follow !== undefined && LIVE_CALL_STATUSES.has(c.status)) {
        current = await post(c, { CallStatus: 'in-progress' }, step.follow)
        continue
      }
      if (step.waiting === null && LIVE_CALL_STATUSES.has(c.status) && !(c.direction === 'outbound-api' && c.status !== 'in-progress')) {
        // The TwiML has ended: Twilio hangs up and posts the status callback.
        await post(c, { CallStatus: 'completed', CallDuration: '0' })
      }
      return state(c.accountSid, c.sid, c.flowSid, heard)
    }
    return state(call.accountSid, call.sid, call.flowSid, heard)
  }

  function state (accountSid: string, callSid: string, flowSid: string, heard: Heard[] = []): CallState {
    const answer = calls.current(accountSid, callSid, flowSid)
    const call = answer.call as CallRecord
    let waitingFor = nextStep(answer.twiml).waiting
    if (call.direction === 'outbound-api' && (call.status === 'queued' || call.status === 'ringing')) waitingFor = 'answer'
    if (!LIVE_CALL_STATUSES.has(call.status)) waitingFor = null
    return { call, heard, waitingFor, twiml: answer.twiml }
  }

  /** Listens through pending audio (Say/Play then back to Studio) so that an action reaches the verb that waits. */
  async function listened (callSid: string, heard: Heard[]): Promise<CallState> {
    const call = findCall(callSid)
    if (!LIVE_CALL_STATUSES.has(call.status)) throw contactStateConflict(`Call ${callSid} has ended (${call.status})`)
    return await follow(calls.current(call.accountSid, call.sid, call.flowSid), call, heard, true)
  }

  /** A call into the flow from `from` to `to` (the flow's number), as Twilio posts an incoming call. */
  async function start (input: { flowSid: string, from: string, to: string, accountSid?: string | undefined, fields?: Record<string, string> | undefined }): Promise<CallState> {
    const accountSid = accountOf(input.flowSid, input.accountSid)
    const callSid = newSid('CA')
    const answer = await calls.receive(accountSid, input.flowSid, { ...input.fields, CallSid: callSid, From: input.from, To: input.to, CallStatus: 'ringing', Direction: 'inbound' }, {})
    if (answer.call === undefined) throw contactStateConflict(`The flow rejected the call (${answer.outcome}): the caller has an active execution and the flow does not allow concurrent calls`)
    return await follow(answer, answer.call, [])
  }

  /** The caller presses keys (or says something) while a Gather listens. */
  async function input (callSid: string, given: { digits: string } | { speech: string, confidence: number }): Promise<CallState> {
    const heard: Heard[] = []
    const before = await listened(callSid, heard)
    const gather = nextStep(before.twiml)
    if (gather.verb?.verb !== 'Gather') throw contactStateConflict(`Call ${callSid} is not gathering input now (waiting for: ${before.waitingFor ?? 'nothing, the call has ended'})`)
    if ('speech' in given && !String(gather.verb.attrs?.input).includes('speech')) throw contactStateConflict(`The Gather on call ${callSid} listens for digits only`)
    const fields: Record<string, string> = 'digits' in given ? { Digits: given.digits, FinishedOnKey: '' } : { SpeechResult: given.speech, Confidence: String(given.confidence) }
    const answer = await post(before.call, { CallStatus: 'in-progress', ...fields }, studioQuery(gather.verb.attrs?.action) ?? {})
    return await follow(answer, before.call, heard)
  }

  /** The verb the call is in comes to its end as Twilio would report it (Dial ended, recording made, queue left, …). */
  async function proceed (callSid: string, given: Record<string, string>): Promise<CallState> {
    // The call's own fields are the call's: a test's fields add to what Twilio posts, never re-address the request.
    const own = Object.keys(given).find(name => CALL_IDENTITY.has(name))
    if (own !== undefined) throw invalidParameter('fields', `${own} is the call's own field; continue posts it as the call has it`)
    const heard: Heard[] = []
    const before = await listened(callSid, heard)
    const step = nextStep(before.twiml)
    const verb = step.verb
    let answer: VoiceAnswer
    if (verb === undefined || step.waiting === 'flow' || step.waiting === null) throw contactStateConflict(`Call ${callSid} has nothing to continue (waiting for: ${before.waitingFor ?? 'nothing'})`)
    if (verb.verb === 'Gather') {
      // Nobody said anything: Twilio goes on to the verb after the Gather (Studio's Redirect with FlowEvent=timeout).
      const after = before.twiml[before.twiml.indexOf(verb) + 1]
      answer = await post(before.call, { CallStatus: 'in-progress', ...given }, studioQuery(after?.text) ?? {})
    } else if (verb.verb === 'Redirect') {
      // The TwiML elsewhere hands the call back: <Redirect>{webhook}?FlowEvent=return</Redirect>.
      answer = await post(before.call, { CallStatus: 'in-progress', ...given }, { FlowEvent: 'return' })
    } else {
      answer = await post(before.call, { CallStatus: 'in-progress', ...actionFields(verb.verb, before.call.accountSid), ...given }, studioQuery(verb.attrs?.action) ?? {})
    }
    return await follow(answer, before.call, heard)
  }

  /** An outbound call placed by the flow is answered (by a person, or a machine when detection is on). */
  async function answer (callSid: string, answeredBy: string | undefined): Promise<CallState> {
    const call = findCall(callSid)
    if (call.direction !== 'outbound-api' || (call.status !== 'queued' && call.status !== 'ringing')) throw contactStateConflict(`Call ${callSid} is not an outbound call ringing (it is ${call.direction}, ${call.status})`)
    const reply = await post(call, { CallStatus: 'in-progress', ...(answeredBy !== undefined && { AnsweredBy: answeredBy }) })
    return await follow(reply, call, [])
  }

  /** An outbound call is not answered: busy, no-answer or failed (Twilio's status callback). */
  async function refuse (callSid: string, status: 'busy' | 'no-answer' | 'failed'): Promise<CallState> {
    const call = findCall(callSid)
    if (call.direction !== 'outbound-api' || (call.status !== 'queued' && call.status !== 'ringing')) throw contactStateConflict(`Call ${callSid} is not an outbound call ringing (it is ${call.direction}, ${call.status})`)
    await post(call, { CallStatus: status })
    return state(call.accountSid, call.sid, call.flowSid)
  }

  /** The caller hangs up: Twilio's status callback with CallStatus=completed. */
  async function hangup (callSid: string): Promise<CallState> {
    const call = findCall(callSid)
    if (!LIVE_CALL_STATUSES.has(call.status)) throw contactStateConflict(`Call ${callSid} has already ended (${call.status})`)
    if (call.direction === 'outbound-api' && call.status !== 'in-progress') throw contactStateConflict(`Call ${callSid} has not been answered (it is ${call.status}): refuse it with busy, no-answer or failed`)
    await post(call, { CallStatus: 'completed', CallDuration: '0' })
    return state(call.accountSid, call.sid, call.flowSid)
  }

  function get (callSid: string): CallState {
    const call = findCall(callSid)
    return state(call.accountSid, call.sid, call.flowSid)
  }

  /** A Conversations message from `author` (onMessageAdded at the flow's webhook); answers with what the flow sent back. */
  async function conversationMessage (input: { conversationSid: string, flowSid: string, author: string, body: string, accountSid?: string | undefined, attributes?: string | undefined }) {
    const accountSid = accountOf(input.flowSid, input.accountSid)
    const result = inbound.receiveConversationMessage(accountSid, input.flowSid, {
      EventType: 'onMessageAdded',
      ConversationSid: input.conversationSid,
      Author: input.author,
      Body: input.body,
      Source: 'API',
      ...(input.attributes !== undefined && { Attributes: input.attributes })
    })
    const before = new Set(result.executionSid === null ? [] : store.listMessages(accountSid, { executionSid: result.executionSid, limit: 100_000 }).map(m => m.sid))
    await result.settled
    const replies = result.executionSid === null ? [] : store.listMessages(accountSid, { executionSid: result.executionSid, limit: 100_000 }).filter(m => !before.has(m.sid))
    return { outcome: result.outcome, executionSid: result.executionSid, messageSid: result.messageSid, accountSid, replies }
  }

  return { start, input, proceed, answer, refuse, hangup, get, conversationMessage }
}

/** What Twilio posts to a verb's action URL when it ends normally (the control API's `continue`). */
function actionFields (verb: string, accountSid: string): Record<string, string> {
  switch (verb) {
    case 'Dial': return { DialCallStatus: 'completed', DialCallSid: newSid('CA'), DialCallDuration: '0', DialBridged: 'true' }
    case 'Record': {
      const sid = newSid('RE')
      return { RecordingSid: sid, RecordingUrl: `https://api.twilio.com/2010-04-01/Accounts/${accountSid}/Recordings/${sid}`, RecordingDuration: '5', Digits: 'hangup' }
    }
    case 'Enqueue': return { QueueResult: 'bridged', QueueSid: newSid('QU'), QueueTime: '0' }
    case 'Pay': return { Result: 'success', PaymentConfirmationCode: 'emulated', PaymentCardNumber: 'xxxxxxxxxxxx1111', PaymentCardType: 'visa', PaymentToken: 'emulated' }
    default: return {}
  }
}
