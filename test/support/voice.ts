// Helpers for voice tests: play Twilio's side of a call over HTTP (post to the flow webhook, follow the URLs in the
// TwiML Studio answers) and read TwiML.
import assert from 'node:assert/strict'
import type { FastifyInstance } from 'fastify'
import { ACCOUNT_A, idle } from './helper.js'

export const CALLER = '+15551112222'
export const FLOW_NUMBER = '+15553334444'

let callCounter = 0
/** A fresh CallSid. */
export const newCallSid = (): string => 'CA' + (++callCounter).toString(16).padStart(32, '0')

export interface TwimlReply {
  status: number
  outcome: string | undefined
  body: string
  contentType: string | undefined
}

/** Posts form fields to a URL on the emulator (a flow webhook, or a URL taken from TwiML). */
export async function postForm (app: FastifyInstance, url: string, fields: Record<string, string>): Promise<TwimlReply> {
  const u = new URL(url, 'http://localhost')
  const res = await app.inject({
    method: 'POST',
    url: u.pathname + u.search,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams(fields).toString()
  })
  await idle(app)
  return { status: res.statusCode, outcome: res.headers['x-studio-emulator-outcome'] as string | undefined, body: res.body, contentType: res.headers['content-type'] as string | undefined }
}

export const webhook = (flow: string, account = ACCOUNT_A.sid) => `/v1/Accounts/${account}/Flows/${flow}`

/** Twilio's incoming-call webhook, as it posts it for a call from CALLER to FLOW_NUMBER. */
export async function incomingCall (app: FastifyInstance, flow: string, callSid: string, extra: Record<string, string> = {}, account = ACCOUNT_A.sid): Promise<TwimlReply> {
  return await postForm(app, webhook(flow, account), { CallSid: callSid, AccountSid: account, From: CALLER, To: FLOW_NUMBER, CallStatus: 'ringing', Direction: 'inbound', ApiVersion: '2010-04-01', ...extra })
}

const unescape = (s: string) => s.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')

/** The URL of the first <Redirect> in a TwiML document. */
export function redirectUrl (twiml: string, nth = 0): string {
  const all = [...twiml.matchAll(/<Redirect[^>]*>([^<]*)<\/Redirect>/g)]
  const m = all[nth]
  assert.ok(m !== undefined, `no Redirect in ${twiml}`)
  return unescape(m[1] as string)
}

/** The `action` URL of the first verb that has one (Gather, Dial, Record, Enqueue, Pay). */
export function actionUrl (twiml: string, verb: string): string {
  const m = new RegExp(`<${verb}[^>]* action="([^"]*)"`).exec(twiml)
  assert.ok(m !== null, `no ${verb} with an action in ${twiml}`)
  return unescape(m[1] as string)
}

/** Twilio's standard fields for a request about an answered call. */
export const inCall = (callSid: string, extra: Record<string, string> = {}) =>
  ({ CallSid: callSid, AccountSid: ACCOUNT_A.sid, From: CALLER, To: FLOW_NUMBER, CallStatus: 'in-progress', Direction: 'inbound', ApiVersion: '2010-04-01', ...extra })
