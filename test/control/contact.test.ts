// Playing the contact through the control API (/__emulator/calls, /__emulator/conversations): a test that does not
// speak TwiML starts a call, presses digits, says a phrase, answers or refuses an outbound call, hangs up, or posts
// a conversation message, and reads back what the caller heard and what the call waits for.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { ACCOUNT_A, ACCOUNT_B, assertTwilioError, buildTestApp, call } from '../support/helper.js'
import { contextOf, execution, publish, start, stepsOf } from '../support/engine-helper.js'
import { exportFixture } from '../support/flows.js'
import { CALLER, FLOW_NUMBER } from '../support/voice.js'

async function control (app: FastifyInstance, method: 'GET' | 'POST', url: string, payload?: unknown) {
  const res = await app.inject({ method, url: `/__emulator${url}`, ...(payload !== undefined && { payload: payload as Record<string, unknown> }) })
  return { status: res.statusCode, body: res.json(), headers: res.headers }
}

test('an IVR played from the control API: each action answers with what the caller heard and what the call waits for', async (t) => {
  const app = await buildTestApp(t)
  const flow = await publish(app, exportFixture('ivr'), 'IVR')

  const started = await control(app, 'POST', '/calls', { flow_sid: flow, from: CALLER, to: FLOW_NUMBER })
  assert.equal(started.status, 201, JSON.stringify(started.body))
  const callSid = started.body.call.sid
  assert.match(callSid, /^CA[0-9a-f]{32}$/)
  assert.deepEqual(started.body.heard, [
    { say: `Thanks for calling Acme, ${CALLER}.`, voice: 'Polly.Joanna', language: 'en-US', loop: 1 },
    { say: 'Press 1 or say sales for sales. Press 2 for support.', voice: 'Polly.Joanna', language: 'en-US', loop: 1 }
  ])
  assert.equal(started.body.waiting_for, 'digits speech')
  assert.match(started.body.twiml, /^<\?xml version="1.0" encoding="UTF-8"\?><Response><Gather action="http:\/\/localhost:80\/v1\/Accounts\/AC1{32}\/Flows\/FW[0-9a-f]{32}\?FlowEvent=gatherInput&amp;FlowStep=2"/)
  assert.deepEqual([started.body.call.direction, started.body.call.from, started.body.call.to, started.body.call.status], ['inbound', CALLER, FLOW_NUMBER, 'in-progress'])
  const executionSid = started.body.execution_sid
  assert.equal(started.body.execution_status, 'active')

  // Press 2: the support Dial; continue as the dialled call ends unanswered.
  const dialling = await control(app, 'POST', `/calls/${callSid}/digits`, { digits: '2' })
  assert.equal(dialling.status, 200, JSON.stringify(dialling.body))
  assert.deepEqual(dialling.body.heard, [])
  assert.equal(dialling.body.waiting_for, 'dial')
  const done = await control(app, 'POST', `/calls/${callSid}/continue`, { fields: { DialCallStatus: 'no-answer' } })
  assert.equal(done.body.waiting_for, null)
  assert.equal(done.body.call.status, 'completed')
  assert.equal(done.body.execution_status, 'ended')
  assert.equal((await contextOf(app, flow, executionSid)).widgets.support.DialCallStatus, 'no-answer')

  // The call is over: no more digits.
  assertTwilioError(await control(app, 'POST', `/calls/${callSid}/digits`, { digits: '1' }), 409, 20409, /has ended/)
  const read = await control(app, 'GET', `/calls/${callSid}`)
  assert.equal(read.body.call.status, 'completed')
  assert.equal(read.body.twiml, '<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>')
})

test('saying a phrase, letting the gather time out with continue, and hanging up', async (t) => {
  const app = await buildTestApp(t)
  const flow = await publish(app, exportFixture('ivr'), 'IVR')
  const a = (await control(app, 'POST', '/calls', { flow_sid: flow, from: CALLER, to: FLOW_NUMBER })).body
  const silence = await control(app, 'POST', `/calls/${a.call.sid}/continue`)
  assert.deepEqual(silence.body.heard.map((h: any) => h.say), ["Sorry, I didn't get that.", 'Press 1 or say sales for sales. Press 2 for support.'])
  const sales = await control(app, 'POST', `/calls/${a.call.sid}/speech`, { speech: 'sales please', confidence: 0.8 })
  assert.deepEqual(sales.body.heard.map((h: any) => h.say), ['Sales is closed today. Goodbye.'])
  assert.equal(sales.body.waiting_for, null)
  assert.equal(sales.body.execution_status, 'ended')
  assert.equal((await contextOf(app, flow, a.execution_sid)).widgets.menu.Confidence, '0.8')

  const b = (await control(app, 'POST', '/calls', { flow_sid: flow, from: '+15550000002', to: FLOW_NUMBER })).body
  const hung = await control(app, 'POST', `/calls/${b.call.sid}/hangup`)
  assert.equal(hung.status, 200)
  assert.equal(hung.body.call.status, 'completed')
  assert.equal(hung.body.execution_status, 'ended')
  assert.equal((await stepsOf(app, flow, b.execution_sid)).length, 2)

  const list = await control(app, 'GET', `/calls?flow=${flow}`)
  assert.deepEqual(list.body.calls.map((c: any) => c.sid), [b.call.sid, a.call.sid], 'newest first')
})

test('the autodialer from the control API: answer runs the reminder, refuse with busy texts instead', async (t) => {
  const app = await buildTestApp(t)
  const flow = await publish(app, exportFixture('autodialer'), 'Reminders')
  const sid = await start(app, flow, { To: '+15557770001', From: '+15557770999', Parameters: '{"name":"Ana","when":"tomorrow at 9"}' })
  const [placed] = (await control(app, 'GET', `/calls?execution=${sid}`)).body.calls
  const ringing = await control(app, 'GET', `/calls/${placed.sid}`)
  assert.equal(ringing.body.waiting_for, 'answer')
  assert.equal(ringing.body.execution_status, 'active')

  const answered = await control(app, 'POST', `/calls/${placed.sid}/answer`)
  assert.equal(answered.status, 200, JSON.stringify(answered.body))
  assert.deepEqual(answered.body.heard.map((h: any) => h.say), ['Hello Ana, your appointment is tomorrow at 9. Press 1 to confirm or 2 to cancel.'])
  assert.equal(answered.body.waiting_for, 'digits')
  assertTwilioError(await control(app, 'POST', `/calls/${placed.sid}/speech`, { speech: 'yes' }), 409, 20409, /digits only/)
  const confirmed = await control(app, 'POST', `/calls/${placed.sid}/digits`, { digits: '1' })
  assert.deepEqual(confirmed.body.heard.map((h: any) => h.say), ['Thank you, see you tomorrow at 9.'])
  assert.equal((await execution(app, flow, sid)).status, 'ended')
  assertTwilioError(await control(app, 'POST', `/calls/${placed.sid}/answer`), 409, 20409, /not an outbound call ringing/)

  const second = await start(app, flow, { To: '+15557770002', From: '+15557770999', Parameters: '{"name":"Bo","when":"at noon"}' })
  const [other] = (await control(app, 'GET', `/calls?execution=${second}`)).body.calls
  const busy = await control(app, 'POST', `/calls/${other.sid}/refuse`, { status: 'busy' })
  assert.equal(busy.body.call.status, 'busy')
  assert.equal(busy.body.waiting_for, null)
  assert.deepEqual((await stepsOf(app, flow, second)).map(s => s[1]), ['incomingRequest', 'busy', 'sent'])
})

test('refuse with no-answer or failed takes that event; answer with answered_by on a machine-detection flow publishes AnsweredBy', async (t) => {
  const app = await buildTestApp(t)
  const flow = await publish(app, exportFixture('autodialer'), 'Reminders')
  for (const [status, event] of [['no-answer', 'noAnswer'], ['failed', 'failed']] as const) {
    const sid = await start(app, flow, { To: '+15557770003', From: '+15557770999', Parameters: '{"name":"Cy","when":"soon"}' })
    const [placed] = (await control(app, 'GET', `/calls?execution=${sid}`)).body.calls
    const refused = await control(app, 'POST', `/calls/${placed.sid}/refuse`, { status })
    assert.equal(refused.status, 200, JSON.stringify(refused.body))
    assert.equal(refused.body.call.status, status)
    assert.deepEqual((await stepsOf(app, flow, sid)).map(s => s[1]), ['incomingRequest', event, 'sent'])
  }
  assertTwilioError(await control(app, 'POST', `/calls/CA${'1'.repeat(32)}/refuse`, { status: 'completed' }), 400, 20001, /status/)

  const definition = exportFixture('autodialer')
  definition.states[1].properties.detect_answering_machine = true
  const amd = await publish(app, definition, 'Reminders with AMD')
  const sid = await start(app, amd, { To: '+15557770004', From: '+15557770999', Parameters: '{"name":"Di","when":"at 5"}' })
  const [placed] = (await control(app, 'GET', `/calls?execution=${sid}`)).body.calls
  const answered = await control(app, 'POST', `/calls/${placed.sid}/answer`, { answered_by: 'machine_end_beep' })
  assert.equal(answered.status, 200, JSON.stringify(answered.body))
  assert.equal(answered.body.call.answered_by, 'machine_end_beep')
  assert.equal((await contextOf(app, amd, sid)).widgets.call_customer.AnsweredBy, 'machine_end_beep')
})

test('continue cannot re-address the request to another call; hangup refuses an outbound call not yet answered', async (t) => {
  const app = await buildTestApp(t)
  const flow = await publish(app, exportFixture('ivr'), 'IVR')
  const a = (await control(app, 'POST', '/calls', { flow_sid: flow, from: CALLER, to: FLOW_NUMBER })).body
  const b = (await control(app, 'POST', '/calls', { flow_sid: flow, from: '+15550004444', to: FLOW_NUMBER })).body
  const stepsOfB = await stepsOf(app, flow, b.execution_sid)
  for (const field of ['CallSid', 'CallStatus', 'From', 'AccountSid']) {
    assertTwilioError(await control(app, 'POST', `/calls/${a.call.sid}/continue`, { fields: { [field]: field === 'CallSid' ? b.call.sid : 'completed' } }), 400, 20001, new RegExp(`${field} is the call's own field`))
  }
  assert.equal((await control(app, 'GET', `/calls/${b.call.sid}`)).body.call.status, 'in-progress')
  assert.deepEqual(await stepsOf(app, flow, b.execution_sid), stepsOfB)
  assert.equal((await execution(app, flow, b.execution_sid)).status, 'active')

  const dialer = await publish(app, exportFixture('autodialer'), 'Reminders')
  const sid = await start(app, dialer, { To: '+15557770005', From: '+15557770999', Parameters: '{"name":"Ed","when":"now"}' })
  const [placed] = (await control(app, 'GET', `/calls?execution=${sid}`)).body.calls
  assertTwilioError(await control(app, 'POST', `/calls/${placed.sid}/hangup`), 409, 20409, /has not been answered .*refuse it/)
  assert.equal((await execution(app, dialer, sid)).status, 'active', 'still ringing')
})

test('a conversation message from the control API answers with what the flow sent back', async (t) => {
  const app = await buildTestApp(t)
  const flow = await publish(app, exportFixture('conversations-survey'), 'Survey')
  const conversation = 'CH0123456789abcdef0123456789abcdef'
  const first = await control(app, 'POST', `/conversations/${conversation}/messages`, { flow_sid: flow, author: 'alice', body: 'hi' })
  assert.equal(first.status, 201, JSON.stringify(first.body))
  assert.equal(first.body.outcome, 'started')
  assert.deepEqual(first.body.replies.map((r: any) => [r.to, r.body, r.detail.conversation_sid]), [['alice', 'Hi alice, you wrote "hi". How would you rate us, 1 to 5?', conversation]])
  const second = await control(app, 'POST', `/conversations/${conversation}/messages`, { flow_sid: flow, author: 'alice', body: '4' })
  assert.equal(second.body.outcome, 'resumed')
  assert.equal(second.body.execution_sid, first.body.execution_sid)
  assert.equal(second.body.execution_status, 'ended')
  assert.deepEqual(second.body.replies.map((r: any) => r.body), ['Thanks! You rated us 4.'])
})

test('bad control requests are clear 4xx errors and change nothing', async (t) => {
  const app = await buildTestApp(t, { raw: { accounts: `${ACCOUNT_A.sid}:${ACCOUNT_A.authToken},${ACCOUNT_B.sid}:${ACCOUNT_B.authToken}` } })
  const flow = await publish(app, exportFixture('ivr'), 'IVR')
  assertTwilioError(await control(app, 'POST', '/calls', { flow_sid: flow, from: CALLER }), 400, 20001, /to/)
  assertTwilioError(await control(app, 'POST', '/calls', { flow_sid: flow, from: CALLER, to: FLOW_NUMBER, extra: 1 }), 400, 20001, /extra/)
  assertTwilioError(await control(app, 'POST', '/calls', { flow_sid: 'FW1', from: CALLER, to: FLOW_NUMBER }), 400, 20001, /flow_sid/)
  assertTwilioError(await control(app, 'POST', '/calls', { flow_sid: flow, from: CALLER, to: FLOW_NUMBER, account_sid: ACCOUNT_B.sid }), 400, 20001, /has no flow/)
  assertTwilioError(await control(app, 'POST', '/calls/CA42/digits', { digits: '1' }), 400, 20001, /CallSid/)
  assert.equal((await control(app, 'POST', `/calls/CA${'9'.repeat(32)}/digits`, { digits: '1' })).status, 404)
  const a = (await control(app, 'POST', '/calls', { flow_sid: flow, from: CALLER, to: FLOW_NUMBER })).body
  assertTwilioError(await control(app, 'POST', `/calls/${a.call.sid}/digits`, { digits: '1x' }), 400, 20001, /digits/)
  assertTwilioError(await control(app, 'POST', `/calls/${a.call.sid}/refuse`, { status: 'busy' }), 409, 20409, /not an outbound call/)
  assertTwilioError(await control(app, 'POST', '/conversations/CH1/messages', { flow_sid: flow, author: 'x' }), 400, 20001, /ConversationSid/)
  assert.equal((await stepsOf(app, flow, a.execution_sid)).length, 2, 'the call still listens at the menu')
  assert.equal((await call(app, 'GET', `/v2/Flows/${flow}/Executions`)).body.executions.length, 1)
})
