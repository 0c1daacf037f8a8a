// STUDIO_CHECK_SIGNATURES=on: every post to a flow's webhook (a message, a call and what its TwiML reports, a
// Conversations event) must carry X-Twilio-Signature as Twilio computes it with the account's auth token over the URL
// it requested and the POST parameters (twilio-node's getExpectedTwilioSignature); otherwise 403 20403 and nothing
// changes. Off (the default), signed and unsigned posts are taken alike (test/flow-engine/voice.test.ts).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { FastifyInstance } from 'fastify'
import twilio from 'twilio'
import { ACCOUNT_A, ACCOUNT_B, assertTwilioError, buildTestApp, call } from '../support/helper.js'
import { publish, stepsOf } from '../support/engine-helper.js'
import { exportFixture } from '../support/flows.js'
import { CALLER, FLOW_NUMBER, inCall, newCallSid, webhook } from '../support/voice.js'

async function post (app: FastifyInstance, path: string, fields: Record<string, string>, signature?: string, host = 'localhost') {
  const res = await app.inject({
    method: 'POST',
    url: path,
    headers: { host, 'content-type': 'application/x-www-form-urlencoded', ...(signature !== undefined && { 'x-twilio-signature': signature }) },
    payload: new URLSearchParams(fields).toString()
  })
  return { status: res.statusCode, body: res.body, headers: res.headers, outcome: res.headers['x-studio-emulator-outcome'] }
}
const asJson = (r: { status: number, body: string, headers: Record<string, unknown> }) => ({ status: r.status, body: JSON.parse(r.body), headers: r.headers })
const sign = (authToken: string, url: string, fields: Record<string, string>) => twilio.getExpectedTwilioSignature(authToken, url, fields)
const executions = async (app: FastifyInstance, flow: string) => (await call(app, 'GET', `/v2/Flows/${flow}/Executions`)).body.executions as any[]

test('with STUDIO_CHECK_SIGNATURES on, unsigned or wrongly signed webhook posts are 403 20403 and start nothing; signed ones run', async (t) => {
  const app = await buildTestApp(t, { raw: { checkSignatures: 'on' } })
  const flow = await publish(app, exportFixture('ivr'), 'IVR')
  const path = webhook(flow)
  const sms = { From: CALLER, To: FLOW_NUMBER, Body: 'hi', MessageSid: 'SM' + '1'.repeat(32) }

  assertTwilioError(asJson(await post(app, path, sms)), 403, 20403, /needs X-Twilio-Signature/)
  assertTwilioError(asJson(await post(app, path, sms, 'bm90IGEgc2lnbmF0dXJl')), 403, 20403, /does not match/)
  assertTwilioError(asJson(await post(app, path, sms, sign(ACCOUNT_B.authToken, `http://localhost${path}`, sms))), 403, 20403, /does not match/)
  assertTwilioError(asJson(await post(app, path, sms, sign(ACCOUNT_A.authToken, `http://localhost${path}`, { ...sms, Body: 'changed' }))), 403, 20403, /does not match/)
  assert.deepEqual(await executions(app, flow), [], 'nothing started')

  // A call signed as Twilio signs it, then a report from its TwiML: the query string is part of the signed URL.
  const callSid = newCallSid()
  const ring = { CallSid: callSid, AccountSid: ACCOUNT_A.sid, From: CALLER, To: FLOW_NUMBER, CallStatus: 'ringing', Direction: 'inbound' }
  const started = await post(app, path, ring, sign(ACCOUNT_A.authToken, `http://localhost${path}`, ring))
  assert.equal(started.outcome, 'started')
  const report = `${path}?FlowEvent=audioComplete&FlowStep=1`
  const unsignedQuery = await post(app, report, inCall(callSid), sign(ACCOUNT_A.authToken, `http://localhost${path}`, inCall(callSid)))
  assertTwilioError(asJson(unsignedQuery), 403, 20403, /does not match/)
  const [e] = await executions(app, flow)
  assert.equal((await stepsOf(app, flow, e.sid)).length, 1, 'the refused report moved nothing')
  const menu = await post(app, report, inCall(callSid), sign(ACCOUNT_A.authToken, `http://localhost${report}`, inCall(callSid)))
  assert.equal(menu.outcome, 'resumed')
  assert.match(menu.body, /<Gather /)

  // Signed over the URL with its port (as validateRequest also accepts), and an SMS that starts an execution.
  const other = { ...sms, From: '+15550009999' }
  const withPort = await post(app, path, other, sign(ACCOUNT_A.authToken, `http://localhost:80${path}`, other))
  assert.equal(withPort.status, 200, withPort.body)
  assert.equal((await executions(app, flow)).length, 2)
})

test('with STUDIO_PUBLIC_URL the signature is over the public URL, as Twilio requested it', async (t) => {
  const app = await buildTestApp(t, { raw: { checkSignatures: 'on', publicUrl: 'https://studio.example.test' } })
  const flow = await publish(app, exportFixture('ivr'), 'IVR')
  const path = webhook(flow)
  const sms = { From: CALLER, To: FLOW_NUMBER, Body: 'hi' }
  assertTwilioError(asJson(await post(app, path, sms, sign(ACCOUNT_A.authToken, `http://localhost${path}`, sms))), 403, 20403, /https:\/\/studio\.example\.test/)
  assert.equal((await post(app, path, sms, sign(ACCOUNT_A.authToken, `https://studio.example.test${path}`, sms))).status, 200)
})

test('an invalid STUDIO_CHECK_SIGNATURES value is refused; unset, it is off', async (t) => {
  const { buildConfig, ConfigError } = await import('../../src/config.js')
  assert.throws(() => buildConfig({ checkSignatures: 'maybe' }), (err: Error) => err instanceof ConfigError && /STUDIO_CHECK_SIGNATURES must be on or off/.test(err.message))
  assert.equal(buildConfig({}).checkSignatures, false)
  const app = await buildTestApp(t)
  const flow = await publish(app, exportFixture('ivr'), 'IVR')
  assert.equal((await post(app, webhook(flow), { From: CALLER, To: FLOW_NUMBER, Body: 'hi' })).status, 200)
})
