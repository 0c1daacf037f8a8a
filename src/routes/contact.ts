// Playing the contact (control API, under /__emulator): calls into a flow and what the caller does on them, outbound
// calls answered or refused, Conversations messages. Registered inside the control routes (their bearer token and
// strict JSON validation apply). Each call action answers with what the caller heard and what the call waits for.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { CallState, Caller } from '../control/caller.js'
import type { CallRecord } from '../db/calls.js'
import type { MessageRecord } from '../db/message-outbox.js'
import type { Store } from '../db/store.js'
import { absoluteTwiml } from '../studio/calls.js'
import { invalidParameter } from '../twilio/errors.js'
import { isSid } from '../twilio/sid.js'
import { twimlResponse } from '../twilio/twiml.js'
import { baseUrlOf } from '../http/base-url.js'
import {
  answerBody, callsQuery, continueBody, conversationMessageBody, digitsBody, noBody, noQuery, refuseBody, speechBody, startCallBody
} from '../http/control-schemas.js'

export interface ContactRoutesOptions {
  caller: Caller
  store: Store
  publicUrl: string | undefined
}

const iso = (ms: number) => new Date(ms).toISOString()

export function callJson (c: CallRecord) {
  return {
    sid: c.sid,
    account_sid: c.accountSid,
    flow_sid: c.flowSid,
    execution_sid: c.executionSid,
    direction: c.direction,
    from: c.from,
    to: c.to,
    status: c.status,
    answered_by: c.answeredBy,
    date_created: iso(c.dateCreated),
    date_updated: iso(c.dateUpdated)
  }
}

export function outboxJson (r: MessageRecord) {
  return { sid: r.sid, kind: r.kind, widget: r.widget, widget_type: r.widgetType, to: r.to, from: r.from, body: r.body, detail: r.detail, date_created: iso(r.dateCreated) }
}

export async function contactRoutes (app: FastifyInstance, opts: ContactRoutesOptions): Promise<void> {
  const { caller, store } = opts

  const stateJson = (request: FastifyRequest, s: CallState) => {
    const webhookUrl = `${baseUrlOf(request, opts.publicUrl)}/v1/Accounts/${s.call.accountSid}/Flows/${s.call.flowSid}`
    return {
      call: callJson(s.call),
      execution_sid: s.call.executionSid,
      execution_status: store.getExecution(s.call.accountSid, s.call.flowSid, s.call.executionSid)?.status ?? null,
      heard: s.heard,
      waiting_for: s.waitingFor,
      twiml: twimlResponse(absoluteTwiml(s.twiml, webhookUrl))
    }
  }
  const callSidOf = (request: FastifyRequest<{ Params: { CallSid: string } }>) => {
    const sid = request.params.CallSid
    if (!isSid('CA', sid)) throw invalidParameter('CallSid', 'must be a Call SID (CA followed by 32 hex digits)')
    return sid
  }
  const flowSidOf = (sid: string) => {
    if (!isSid('FW', sid)) throw invalidParameter('flow_sid', 'must be a Flow SID (FW followed by 32 hex digits)')
    return sid
  }
  const accountOf = (sid: string | undefined) => {
    if (sid !== undefined && !isSid('AC', sid)) throw invalidParameter('account_sid', 'must be an account SID (AC followed by 32 hex digits)')
    return sid
  }

  /** A call into a flow, as Twilio posts an incoming call; answers with what the caller hears until input is wanted. */
  app.post<{ Body: { flow_sid: string, from: string, to: string, account_sid?: string, fields?: Record<string, string> } }>('/calls', {
    schema: { querystring: noQuery, body: startCallBody }
  }, async function startCall (request, reply) {
    const b = request.body
    const s = await caller.start({ flowSid: flowSidOf(b.flow_sid), from: b.from, to: b.to, accountSid: accountOf(b.account_sid), fields: b.fields })
    return await reply.code(201).send(stateJson(request, s))
  })

  app.get<{ Querystring: { account?: string, flow?: string, execution?: string, limit?: string } }>('/calls', {
    schema: { querystring: callsQuery }
  }, async function listCalls (request) {
    const q = request.query
    const limit = q.limit === undefined ? 100 : Number(q.limit)
    if (!Number.isInteger(limit) || limit < 1) throw invalidParameter('limit', 'must be a positive integer')
    return { calls: store.listCalls(q.account ?? null, { flowSid: q.flow, executionSid: q.execution, limit: Math.min(limit, 10_000) }).map(callJson) }
  })

  app.get<{ Params: { CallSid: string } }>('/calls/:CallSid', { schema: { querystring: noQuery } }, async function getCall (request) {
    return stateJson(request, caller.get(callSidOf(request)))
  })

  app.post<{ Params: { CallSid: string }, Body: { digits: string } }>('/calls/:CallSid/digits', {
    schema: { querystring: noQuery, body: digitsBody }
  }, async function pressDigits (request) {
    return stateJson(request, await caller.input(callSidOf(request), { digits: request.body.digits }))
  })

  app.post<{ Params: { CallSid: string }, Body: { speech: string, confidence?: number } }>('/calls/:CallSid/speech', {
    schema: { querystring: noQuery, body: speechBody }
  }, async function saySomething (request) {
    return stateJson(request, await caller.input(callSidOf(request), { speech: request.body.speech, confidence: request.body.confidence ?? 0.9 }))
  })

  app.post<{ Params: { CallSid: string }, Body: { fields?: Record<string, string> } | null }>('/calls/:CallSid/continue', {
    schema: { querystring: noQuery, body: continueBody }
  }, async function continueCall (request) {
    return stateJson(request, await caller.proceed(callSidOf(request), request.body?.fields ?? {}))
  })

  app.post<{ Params: { CallSid: string }, Body: { answered_by?: string } | null }>('/calls/:CallSid/answer', {
    schema: { querystring: noQuery, body: answerBody }
  }, async function answerCall (request) {
    return stateJson(request, await caller.answer(callSidOf(request), request.body?.answered_by))
  })

  app.post<{ Params: { CallSid: string }, Body: { status: 'busy' | 'no-answer' | 'failed' } }>('/calls/:CallSid/refuse', {
    schema: { querystring: noQuery, body: refuseBody }
  }, async function refuseCall (request) {
    return stateJson(request, await caller.refuse(callSidOf(request), request.body.status))
  })

  app.post<{ Params: { CallSid: string } }>('/calls/:CallSid/hangup', { schema: { querystring: noQuery, body: noBody } }, async function hangUp (request) {
    return stateJson(request, await caller.hangup(callSidOf(request)))
  })

  /** A Conversations message from a participant, posted to the flow as Twilio's onMessageAdded webhook. */
  app.post<{ Params: { ConversationSid: string }, Body: { flow_sid: string, author: string, body?: string, account_sid?: string, attributes?: string } }>('/conversations/:ConversationSid/messages', {
    schema: { querystring: noQuery, body: conversationMessageBody }
  }, async function conversationMessage (request, reply) {
    const b = request.body
    const conversationSid = request.params.ConversationSid
    if (!isSid('CH', conversationSid)) throw invalidParameter('ConversationSid', 'must be a Conversation SID (CH followed by 32 hex digits)')
    const r = await caller.conversationMessage({ conversationSid, flowSid: flowSidOf(b.flow_sid), author: b.author, body: b.body ?? '', accountSid: accountOf(b.account_sid), attributes: b.attributes })
    return await reply.code(201).send({
      outcome: r.outcome,
      account_sid: r.accountSid,
      execution_sid: r.executionSid,
      message_sid: r.messageSid,
      execution_status: r.executionSid === null ? null : store.getExecution(r.accountSid, b.flow_sid, r.executionSid)?.status ?? null,
      replies: r.replies.map(outboxJson)
    })
  })
}
