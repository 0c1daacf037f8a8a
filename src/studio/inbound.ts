// Simulated inbound messages at Studio's webhook (the flow's webhook_url): they resume the contact's execution
// waiting in a send-and-wait, or start a new execution with the incomingMessage trigger, or are recorded and
// dropped when the contact's active execution is not waiting for a reply (as Studio does). The fields get Twilio's
// defaults for those the caller left out, so that a flow reads {{trigger.message.NumMedia}} as in production.
import type { Store } from '../db/store.js'
import type { EngineExecution } from '../db/run-state.js'
import { invalidParameter, missingParameter, resourceMissing } from '../twilio/errors.js'
import { isSid, newSid } from '../twilio/sid.js'
import type { FlowRecord, JsonObject } from '../types.js'
import type { Clock } from '../clock.js'
import { contactAt, newExecutionContext, type Trigger } from './context.js'
import type { ExecutionWriter } from './execution-writer.js'
import type { ExecutionService } from './executions.js'
import type { FlowService } from './flows.js'

export type InboundOutcome = 'resumed' | 'started' | 'dropped'

export interface ReplyPort {
  /** Hands the reply to the waiting execution; the promise settles once the execution has run on with it. */
  schedule: (ref: { accountSid: string, sid: string }, job: { kind: 'reply', inbound: JsonObject } | { kind: 'run' }) => Promise<void>
}

/** Twilio's constant fields of an incoming-message webhook, sent with every SMS, MMS and WhatsApp message. */
const CONSTANT_FIELDS = { NumMedia: '0', NumSegments: '1', SmsStatus: 'received', ApiVersion: '2010-04-01' } as const

/** Geographic fields Twilio sends for SMS/MMS between phone numbers, empty when it has no data for a number. */
const GEO_FIELDS = ['FromCity', 'FromState', 'FromZip', 'FromCountry', 'ToCity', 'ToState', 'ToZip', 'ToCountry'] as const

/** `whatsapp:+1…`, `messenger:…`, `rcs:…`: a channel address rather than a phone number (no geographic fields). */
const CHANNEL_ADDRESS = /^[a-z][a-z0-9-]*:/i

/**
 * The fields as Twilio posts them: the caller's, with Twilio's defaults for those left out. MessageSid (and its
 * aliases SmsSid and SmsMessageSid) is generated when none is given; AccountSid is always the webhook's account;
 * MessagingServiceSid is only present when the caller sent it.
 */
export function inboundMessageFields (accountSid: string, fields: Record<string, string>): Record<string, string> {
  const given = (name: string): string | undefined => fields[name] !== undefined && fields[name] !== '' ? fields[name] : undefined
  const messageSid = given('MessageSid') ?? given('SmsMessageSid') ?? given('SmsSid') ?? newSid('SM')
  const geo: Record<string, string> = {}
  if (!CHANNEL_ADDRESS.test(fields.From ?? '') && !CHANNEL_ADDRESS.test(fields.To ?? '')) for (const name of GEO_FIELDS) geo[name] = ''
  return {
    ...geo,
    ...CONSTANT_FIELDS,
    Body: '',
    ...fields,
    MessageSid: messageSid,
    SmsSid: given('SmsSid') ?? messageSid,
    SmsMessageSid: given('SmsMessageSid') ?? messageSid,
    AccountSid: accountSid
  }
}

/**
 * The fields of a Conversations onMessageAdded webhook as Twilio posts them, with Twilio's for those left out
 * (EventType, MessageSid, Index, DateCreated, Body, Attributes, Source), and the two Studio's Trigger documents for
 * trigger.conversation besides them: From (the Author) and ChannelSid (the ConversationSid). AccountSid is always
 * the webhook's account.
 */
export function conversationMessageFields (accountSid: string, fields: Record<string, string>, now: number): Record<string, string> {
  return {
    EventType: 'onMessageAdded',
    MessageSid: newSid('IM'),
    Index: '0',
    DateCreated: new Date(now).toISOString(),
    Body: '',
    Attributes: '{}',
    Source: 'SDK',
    From: fields.Author ?? '',
    ChannelSid: fields.ConversationSid ?? '',
    ...fields,
    AccountSid: accountSid
  }
}

/** Whether a post to the flow webhook is a Conversations event rather than an SMS. */
export const isConversationEvent = (fields: Record<string, string>): boolean => fields.EventType !== undefined || fields.ConversationSid !== undefined

export type InboundService = ReturnType<typeof createInboundService>

export function createInboundService (deps: { store: Store, clock: Clock, flows: FlowService, executions: ExecutionService, engine: ReplyPort, writer: ExecutionWriter }) {
  const { store, clock, flows, executions, engine, writer } = deps

  interface Arrival {
    flow: FlowRecord
    /** The contact (From of an SMS, the Author in a conversation) and the flow's channel (To, the ConversationSid). */
    contact: string
    channel: string
    messagingServiceSid?: string | undefined
    messageSid: string
    body: string | null
    /** What the message starts, when it starts an execution: trigger.message or trigger.conversation. */
    trigger: Trigger
    /** What a waiting send-and-wait publishes under inbound.*. */
    inbound: JsonObject
  }

  /**
   * A message from the contact: it resumes the contact's active execution on the channel when that one waits in a
   * send-and-wait, is dropped when it does not, and otherwise starts an execution (the contact's test-user status
   * decides the revision). Recorded in the inbound log either way. `settled` resolves once the execution has run on.
   */
  function arrive (accountSid: string, a: Arrival, active: EngineExecution | undefined): { outcome: InboundOutcome, executionSid: string | null, messageSid: string, recorded: Promise<void>, settled: Promise<void> } {
    const flowSid = a.flow.sid
    let outcome: InboundOutcome
    let executionSid: string | null = null
    let settled = Promise.resolve()
    if (active !== undefined) {
      executionSid = active.execution.sid
      if (active.waitKind === 'reply') {
        settled = engine.schedule({ accountSid, sid: active.execution.sid }, { kind: 'reply', inbound: a.inbound })
        outcome = 'resumed'
      } else outcome = 'dropped'
    } else {
      const { revision } = flows.executionTarget({ accountSid, principalSid: accountSid }, flowSid, a.contact)
      const sid = newSid('FN')
      const context = newExecutionContext({ flowSid, executionSid: sid, channelAddress: a.channel, contact: contactAt(a.contact), trigger: a.trigger })
      const result = executions.begin(accountSid, a.flow, revision, { sid, to: a.contact, from: a.channel, initiatedBy: a.messageSid, context }, { run: false })
      executionSid = result.execution.sid
      outcome = result.outcome === 'created' ? 'started' : 'dropped'
      if (outcome === 'started' && a.flow.origin !== 'auto') settled = engine.schedule({ accountSid, sid }, { kind: 'run' })
    }
    // Group-committed with the other writes of this turn (a webhook answers after `recorded`).
    const record = { accountSid, flowSid, messageSid: a.messageSid, from: a.contact, to: a.channel, body: a.body, outcome, executionSid, now: clock.now() }
    const recorded = writer.enqueue(() => { store.recordInboundMessage(record) })
    return { outcome, executionSid, messageSid: a.messageSid, recorded, settled: Promise.all([recorded, settled]).then(() => {}) }
  }

  function flowOf (accountSid: string, flowSid: string): FlowRecord {
    const flow = store.findFlow(accountSid, flowSid)
    if (flow === undefined) throw resourceMissing()
    return flow
  }

  /** The flow and the contact's active execution on the channel, read in one read transaction (one lock). */
  function lookUp (accountSid: string, flowSid: string, contact: string, channel: string, messagingServiceSid?: string): { flow: FlowRecord, active: EngineExecution | undefined } {
    return store.read(() => {
      const flow = flowOf(accountSid, flowSid)
      return { flow, active: store.activeExecutionForContact(accountSid, flowSid, contact, channel, messagingServiceSid) }
    })
  }

  /**
   * Takes an SMS webhook's fields (From = the contact, To = the number that received it, MessagingServiceSid when it
   * came through a Messaging Service), filled with Twilio's defaults. The contact's active execution is the one on
   * To or, with a Messaging Service, on that service's SID (an execution started over REST with From=MG…). A new
   * execution's channel address is To; the service stays at trigger.message.MessagingServiceSid.
   */
  function receiveMessage (accountSid: string, flowSid: string, fields: Record<string, string>) {
    const contact = fields.From ?? ''
    const channel = fields.To ?? ''
    const { flow, active } = lookUp(accountSid, flowSid, contact, channel, fields.MessagingServiceSid)
    const message: JsonObject = inboundMessageFields(accountSid, fields)
    return arrive(accountSid, {
      flow,
      contact,
      channel,
      messagingServiceSid: fields.MessagingServiceSid,
      messageSid: message.MessageSid as string,
      body: fields.Body ?? null,
      trigger: { message },
      inbound: message
    }, active)
  }

  /**
   * Takes a Conversations onMessageAdded webhook (a Studio webhook on the conversation): the Author is the contact
   * and the conversation the flow's channel, so the next message in the same conversation resumes the Author's
   * execution waiting in a send-and-wait (published as widgets.<name>.inbound.*), or starts an
   * incomingConversationMessage execution. Other event types are acknowledged and ignored.
   */
  function receiveConversationMessage (accountSid: string, flowSid: string, given: Record<string, string>): ReturnType<typeof arrive> | { outcome: 'ignored', executionSid: null, messageSid: null, recorded: Promise<void>, settled: Promise<void> } {
    flowOf(accountSid, flowSid)
    if (given.EventType !== undefined && given.EventType !== 'onMessageAdded') return { outcome: 'ignored', executionSid: null, messageSid: null, recorded: Promise.resolve(), settled: Promise.resolve() }
    for (const name of ['ConversationSid', 'Author']) if (given[name] === undefined || given[name] === '') throw missingParameter(name)
    if (!isSid('CH', given.ConversationSid)) throw invalidParameter('ConversationSid', 'must be a Conversation SID (CH followed by 32 hex digits)')
    const fields: JsonObject = conversationMessageFields(accountSid, given, clock.now())
    const { flow, active } = lookUp(accountSid, flowSid, given.Author as string, given.ConversationSid)
    return arrive(accountSid, {
      flow,
      contact: given.Author as string,
      channel: given.ConversationSid,
      messageSid: fields.MessageSid as string,
      body: given.Body ?? null,
      trigger: { conversation: fields },
      inbound: fields
    }, active)
  }

  return { receiveMessage, receiveConversationMessage }
}
