// Simulated inbound messages at Studio's webhook (the flow's webhook_url): they resume the contact's execution
// waiting in a send-and-wait, or start a new execution with the incomingMessage trigger, or are recorded and
// dropped when the contact's active execution is not waiting for a reply (as Studio does).
import type { Store } from '../db/store.js'
import { resourceMissing } from '../twilio/errors.js'
import { newSid } from '../twilio/sid.js'
import type { JsonObject } from '../types.js'
import type { Clock } from '../clock.js'
import { contactAt, newExecutionContext } from './context.js'
import type { ExecutionService } from './executions.js'
import type { FlowService } from './flows.js'

export type InboundOutcome = 'resumed' | 'started' | 'dropped'

export interface ReplyPort {
  schedule: (ref: { accountSid: string, sid: string }, job: { kind: 'reply', inbound: JsonObject }) => void
}

export type InboundService = ReturnType<typeof createInboundService>

export function createInboundService (deps: { store: Store, clock: Clock, flows: FlowService, executions: ExecutionService, engine: ReplyPort }) {
  const { store, clock, flows, executions, engine } = deps

  /**
   * Takes an SMS webhook's fields (From = the contact, To = the flow's number). MessageSid is generated when
   * absent. Returns what happened and the execution concerned.
   */
  function receiveMessage (accountSid: string, flowSid: string, fields: Record<string, string>): { outcome: InboundOutcome, executionSid: string | null, messageSid: string } {
    const flow = store.findFlow(accountSid, flowSid)
    if (flow === undefined) throw resourceMissing()
    const messageSid = fields.MessageSid !== undefined && fields.MessageSid !== '' ? fields.MessageSid : newSid('SM')
    const message: JsonObject = { ...fields, MessageSid: messageSid, SmsMessageSid: fields.SmsMessageSid ?? messageSid, AccountSid: accountSid }
    const contact = fields.From ?? ''
    const channel = fields.To ?? ''
    const active = store.activeExecutionForContact(accountSid, flowSid, contact, channel)
    let outcome: InboundOutcome
    let executionSid: string | null = null
    if (active !== undefined) {
      executionSid = active.execution.sid
      if (active.waitKind === 'reply') {
        engine.schedule({ accountSid, sid: active.execution.sid }, { kind: 'reply', inbound: message })
        outcome = 'resumed'
      } else outcome = 'dropped'
    } else {
      const { revision } = flows.executionTarget({ accountSid, principalSid: accountSid }, flowSid, contact)
      const sid = newSid('FN')
      const context = newExecutionContext({ flowSid, executionSid: sid, channelAddress: channel, contact: contactAt(contact), trigger: { message } })
      const result = executions.begin(accountSid, flow, revision, { sid, to: contact, from: channel, initiatedBy: messageSid, context })
      executionSid = result.execution.sid
      outcome = result.outcome === 'created' ? 'started' : 'dropped'
    }
    store.recordInboundMessage({ accountSid, flowSid, messageSid, from: contact, to: channel, body: fields.Body ?? null, outcome, executionSid, now: clock.now() })
    return { outcome, executionSid, messageSid }
  }

  return { receiveMessage }
}
