// make-outgoing-call-v2 in a REST flow (test/fixtures/autodialer.json, an appointment reminder): the call is placed
// and the execution waits mid-call until Twilio reports it answered (then the same TwiML loop as an incoming call),
// busy, not answered (also: its ring timeout on the emulator clock) or failed; busy falls back to an SMS.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { buildTestApp } from '../support/helper.js'
import { contextOf, execution, moveClock, outbox, publish, start, stepsOf } from '../support/engine-helper.js'
import { exportFixture } from '../support/flows.js'
import { actionUrl, postForm, redirectUrl, webhook } from '../support/voice.js'

const PATIENT = '+15557770001'
const CLINIC = '+15557770999'
const PARAMETERS = JSON.stringify({ name: 'Ana', when: 'tomorrow at 9' })

async function callsOf (app: FastifyInstance, executionSid: string): Promise<any[]> {
  const res = await app.inject({ method: 'GET', url: `/__emulator/calls?execution=${executionSid}` })
  assert.equal(res.statusCode, 200, res.body)
  return res.json().calls
}

/** What Twilio posts about the outbound call (From is the flow's number, To the patient). */
const aboutCall = (callSid: string, extra: Record<string, string>) =>
  ({ CallSid: callSid, From: CLINIC, To: PATIENT, Direction: 'outbound-api', ApiVersion: '2010-04-01', ...extra })

async function dial (app: FastifyInstance) {
  const flow = await publish(app, exportFixture('autodialer'), 'Reminders')
  const sid = await start(app, flow, { To: PATIENT, From: CLINIC, Parameters: PARAMETERS })
  const [placed] = await callsOf(app, sid)
  return { flow, sid, placed }
}

test('the autodialer places the call and waits mid-call; Twilio answering it runs the reminder on the call', async (t) => {
  const app = await buildTestApp(t)
  const { flow, sid, placed } = await dial(app)
  assert.equal((await execution(app, flow, sid)).status, 'active')
  assert.deepEqual(await stepsOf(app, flow, sid), [['Trigger', 'incomingRequest', 'call_customer', 'trigger']], 'the widget has not finished: it waits')
  assert.match(placed.sid, /^CA[0-9a-f]{32}$/)
  assert.deepEqual([placed.direction, placed.from, placed.to, placed.status, placed.execution_sid], ['outbound-api', CLINIC, PATIENT, 'queued', sid])
  assert.deepEqual((await outbox(app, `execution=${sid}`)).map(m => [m.kind, m.to, m.from, m.detail.call_sid, m.detail.to, m.detail.from]), [['call', PATIENT, CLINIC, placed.sid, PATIENT, CLINIC]], 'the outbox record\'s properties are rendered')
  const waiting = (await contextOf(app, flow, sid)).widgets.call_customer
  assert.equal(waiting.CallSid, placed.sid)
  assert.equal(waiting.CallStatus, 'queued')

  // The patient picks up: Twilio requests the call's URL, Studio's webhook, with CallStatus in-progress.
  const reminder = await postForm(app, webhook(flow), aboutCall(placed.sid, { CallStatus: 'in-progress', AnsweredBy: 'human' }))
  assert.equal(reminder.outcome, 'answered')
  assert.match(reminder.body, /<Gather action="[^"]*" input="dtmf" finishOnKey="" numDigits="1" timeout="8"><Say voice="Polly.Matthew" language="en-US" loop="1">Hello Ana, your appointment is tomorrow at 9. Press 1 to confirm or 2 to cancel.<\/Say><\/Gather>/)
  const thanks = await postForm(app, actionUrl(reminder.body, 'Gather'), aboutCall(placed.sid, { CallStatus: 'in-progress', Digits: '1' }))
  assert.match(thanks.body, /Thank you, see you tomorrow at 9./)
  assert.match((await postForm(app, redirectUrl(thanks.body), aboutCall(placed.sid, { CallStatus: 'in-progress' }))).body, /<Hangup\/>/)

  assert.equal((await execution(app, flow, sid)).status, 'ended')
  assert.deepEqual((await stepsOf(app, flow, sid)).map(s => [s[0], s[1]]), [
    ['Trigger', 'incomingRequest'], ['call_customer', 'answered'], ['reminder', 'keypress'], ['route', 'match'], ['confirmed', 'audioComplete']
  ])
  const published = (await contextOf(app, flow, sid)).widgets.call_customer
  assert.equal(published.CallStatus, 'in-progress')
  assert.equal(published.AnsweredBy, undefined, 'no AnsweredBy without answering-machine detection')
  assert.equal((await callsOf(app, sid))[0].status, 'completed')
})

test('busy: Twilio\'s status callback takes busy and the flow falls back to an SMS', async (t) => {
  const app = await buildTestApp(t)
  const { flow, sid, placed } = await dial(app)
  const res = await postForm(app, webhook(flow), aboutCall(placed.sid, { CallStatus: 'busy', CallDuration: '0' }))
  assert.equal(res.outcome, 'status')
  assert.deepEqual((await stepsOf(app, flow, sid)).map(s => [s[0], s[1], s[2]]), [
    ['Trigger', 'incomingRequest', 'call_customer'], ['call_customer', 'busy', 'sms_fallback'], ['sms_fallback', 'sent', 'Ended']
  ])
  assert.deepEqual((await outbox(app, `execution=${sid}&kind=message`)).map(m => [m.to, m.from, m.body]), [
    [PATIENT, CLINIC, 'Hi Ana, we tried to call about your appointment tomorrow at 9. Reply C to confirm.']
  ])
  assert.equal((await contextOf(app, flow, sid)).widgets.call_customer.CallStatus, 'busy')
  assert.equal((await callsOf(app, sid))[0].status, 'busy')
})

test('nobody answers within the widget\'s timeout on the emulator clock: noAnswer', async (t) => {
  const app = await buildTestApp(t)
  const { flow, sid } = await dial(app)
  await moveClock(app, { advance_ms: 29_000 })
  assert.equal((await stepsOf(app, flow, sid)).length, 1, 'still ringing')
  await moveClock(app, { advance_ms: 2_000 })
  assert.deepEqual((await stepsOf(app, flow, sid))[1], ['call_customer', 'noAnswer', 'sms_fallback', 'make-outgoing-call-v2'])
  assert.equal((await callsOf(app, sid))[0].status, 'no-answer')
  // A late answer is too late: the call is over and nothing runs again.
  const [placed] = await callsOf(app, sid)
  const late = await postForm(app, webhook(flow), aboutCall(placed.sid, { CallStatus: 'in-progress' }))
  assert.equal(late.outcome, 'ignored')
  assert.equal((await stepsOf(app, flow, sid)).length, 3)
})

test('a widget-events choice made beforehand decides the outcome at once', async (t) => {
  const app = await buildTestApp(t)
  const flow = await publish(app, exportFixture('autodialer'), 'Reminders')
  const choose = await app.inject({ method: 'POST', url: '/__emulator/widget-events', payload: { widget: 'call_customer', event: 'failed', flow_sid: flow, times: 1 } })
  assert.equal(choose.statusCode, 201, choose.body)
  const sid = await start(app, flow, { To: PATIENT, From: CLINIC, Parameters: PARAMETERS })
  const [placed] = await callsOf(app, sid)
  assert.deepEqual((await stepsOf(app, flow, sid)).map(s => s[1]), ['incomingRequest', 'failed', 'sent'])
  assert.equal(placed.status, 'failed')
  assert.equal((await execution(app, flow, sid)).status, 'ended')
})

test('with answering-machine detection on, AnsweredBy is published as Twilio posts it', async (t) => {
  const app = await buildTestApp(t)
  const definition = exportFixture('autodialer')
  definition.states[1].properties.detect_answering_machine = true
  const flow = await publish(app, definition, 'Reminders with AMD')
  const sid = await start(app, flow, { To: PATIENT, From: CLINIC, Parameters: PARAMETERS })
  const [placed] = await callsOf(app, sid)
  await postForm(app, webhook(flow), aboutCall(placed.sid, { CallStatus: 'in-progress', AnsweredBy: 'machine_start' }))
  const published = (await contextOf(app, flow, sid)).widgets.call_customer
  assert.equal(published.AnsweredBy, 'machine_start')
  assert.equal((await callsOf(app, sid))[0].answered_by, 'machine_start')
})

test('failed and no-answer from Twilio\'s status callback take failed and noAnswer; a late one changes nothing', async (t) => {
  const app = await buildTestApp(t)
  for (const [status, event] of [['failed', 'failed'], ['no-answer', 'noAnswer'], ['canceled', 'failed']] as const) {
    const { flow, sid, placed } = await dial(app)
    const res = await postForm(app, webhook(flow), aboutCall(placed.sid, { CallStatus: status, CallDuration: '0' }))
    assert.equal(res.outcome, 'status')
    assert.deepEqual((await stepsOf(app, flow, sid)).map(s => [s[0], s[1], s[2]]), [
      ['Trigger', 'incomingRequest', 'call_customer'], ['call_customer', event, 'sms_fallback'], ['sms_fallback', 'sent', 'Ended']
    ], status)
    assert.equal((await contextOf(app, flow, sid)).widgets.call_customer.CallStatus, status)
    assert.equal((await callsOf(app, sid))[0].status, status)
    const again = await postForm(app, webhook(flow), aboutCall(placed.sid, { CallStatus: 'busy' }))
    assert.equal(again.outcome, 'ignored')
    assert.equal((await stepsOf(app, flow, sid)).length, 3)
  }
})

test('a completed status callback for a call never answered takes failed (Twilio answers before a call completes)', async (t) => {
  const app = await buildTestApp(t)
  const { flow, sid, placed } = await dial(app)
  await postForm(app, webhook(flow), aboutCall(placed.sid, { CallStatus: 'completed', CallDuration: '0' }))
  assert.deepEqual((await stepsOf(app, flow, sid)).map(s => [s[0], s[1], s[2]]), [
    ['Trigger', 'incomingRequest', 'call_customer'], ['call_customer', 'failed', 'sms_fallback'], ['sms_fallback', 'sent', 'Ended']
  ])
})
