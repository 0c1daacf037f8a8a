// The voice widgets' TwiML and events beyond the IVR (voice.test.ts): Play and its digits, a Gather's Play, hints and
// speech model, every Dial noun, enqueue to a TaskRouter workflow, Liquid in numeric properties, the caller hanging up
// at a Record or a Pay, Twilio's own no-input request to a Gather's action, the defaults Twilio fills in a voice post,
// TwiML URLs on STUDIO_PUBLIC_URL, and a foreign account's flow receiving another account's call.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import twilio from 'twilio'
import { ACCOUNT_A, ACCOUNT_B, buildTestApp, call } from '../support/helper.js'
import { contextOf, flowOf, moveClock, outbox, publish, stepsOf, widget } from '../support/engine-helper.js'
import { exportFixture } from '../support/flows.js'
import { CALLER, FLOW_NUMBER, actionUrl, inCall, incomingCall, newCallSid, postForm, redirectUrl, webhook } from '../support/voice.js'

const HANGUP = '<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>'

/** A test flow whose Trigger sends calls (only) to `first`. */
function callsGoTo (definition: Record<string, any>, first: string): Record<string, any> {
  definition.states[0].transitions = [{ event: 'incomingCall', next: first }]
  return definition
}

const executionsOf = async (app: Parameters<typeof call>[0], flow: string, who = ACCOUNT_A) =>
  (await call(app, 'GET', `/v2/Flows/${flow}/Executions`, undefined, who)).body.executions as any[]

test('Play (with loop), Play digits, and a Gather that plays audio with hints and a speech model: TwiML as twilio-node writes it', async (t) => {
  const app = await buildTestApp(t)
  const definition = callsGoTo(flowOf(undefined, [
    widget('tune', 'say-play', { play: 'https://example.com/hold-{{trigger.call.To | slice: -4, 4}}.mp3', loop: 2 }, [{ event: 'audioComplete', next: 'extension' }]),
    widget('extension', 'say-play', { digits: 'ww{{trigger.call.From | slice: -2, 2}}#' }, [{ event: 'audioComplete', next: 'menu' }]),
    widget('menu', 'gather-input-on-call', { play: 'https://example.com/menu.mp3', loop: 1, number_of_digits: 2, timeout: 7, hints: 'sales, support', speech_model: 'phone_call', speech_timeout: '3', gather_language: 'en-GB', profanity_filter: 'false' }, [{ event: 'keypress', next: 'bye' }, { event: 'speech', next: 'bye' }, { event: 'timeout' }]),
    widget('bye', 'say-play', { say: 'You said {{widgets.menu.Digits}}{{widgets.menu.SpeechResult}}.' }, [{ event: 'audioComplete' }])
  ]), 'tune')
  const flow = await publish(app, definition, 'Play')
  const hook = `http://localhost:80${webhook(flow)}`
  const callSid = newCallSid()

  const tune = await incomingCall(app, flow, callSid)
  const expectTune = new twilio.twiml.VoiceResponse()
  expectTune.play({ loop: 2 }, 'https://example.com/hold-4444.mp3')
  expectTune.redirect(`${hook}?FlowEvent=audioComplete&FlowStep=1`)
  assert.equal(tune.body, expectTune.toString())

  const extension = await postForm(app, redirectUrl(tune.body), inCall(callSid))
  const expectDigits = new twilio.twiml.VoiceResponse()
  expectDigits.play({ digits: 'ww22#' })
  expectDigits.redirect(`${hook}?FlowEvent=audioComplete&FlowStep=2`)
  assert.equal(extension.body, expectDigits.toString())

  const menu = await postForm(app, redirectUrl(extension.body), inCall(callSid))
  const expectMenu = new twilio.twiml.VoiceResponse()
  expectMenu.gather({ action: `${hook}?FlowEvent=gatherInput&FlowStep=3`, input: ['dtmf', 'speech'], finishOnKey: '#', numDigits: 2, timeout: 7, speechTimeout: '3', language: 'en-GB', hints: 'sales, support', profanityFilter: false, speechModel: 'phone_call' }).play({ loop: 1 }, 'https://example.com/menu.mp3')
  expectMenu.redirect(`${hook}?FlowEvent=timeout&FlowStep=3`)
  assert.equal(menu.body, expectMenu.toString())

  const bye = await postForm(app, actionUrl(menu.body, 'Gather'), inCall(callSid, { Digits: '42' }))
  assert.match(bye.body, /<Say>You said 42.<\/Say>/)
  const [e] = await executionsOf(app, flow)
  assert.deepEqual((await outbox(app, `execution=${e.sid}`)).map(m => [m.kind, m.widget, m.body]), [
    ['say', 'tune', 'https://example.com/hold-4444.mp3'], ['say', 'extension', null], ['gather', 'menu', 'https://example.com/menu.mp3'], ['say', 'bye', 'You said 42.']
  ])
})

test('Liquid in numeric properties: Flex priority and timeout, Dial timeLimit and a TwiML Redirect\'s timeout are rendered first', async (t) => {
  const app = await buildTestApp(t)
  const definition = callsGoTo(flowOf(undefined, [
    widget('vars', 'set-variables', { variables: [{ key: 'priority', value: '7' }, { key: 'seconds', value: '9' }] }, [{ event: 'next', next: 'flex' }]),
    widget('flex', 'send-to-flex', { workflow: 'WW0123456789abcdef0123456789abcdef', channel: 'TC0123456789abcdef0123456789abcdef', attributes: '{}', priority: '{{flow.variables.priority}}', timeout: '{{flow.variables.seconds | times: 100}}' }, [
      { event: 'callComplete', next: 'dial' }, { event: 'failedToEnqueue' }, { event: 'callFailure' }
    ]),
    widget('dial', 'connect-call-to', { noun: 'number', to: '+15550001111', time_limit: '{{flow.variables.seconds}}', timeout: 10 }, [
      { event: 'callCompleted', next: 'away' }, { event: 'hangup' }
    ]),
    widget('away', 'add-twiml-redirect', { url: 'https://example.com/twiml', timeout: '{{flow.variables.seconds}}' }, [
      { event: 'return' }, { event: 'timeout', next: 'back' }, { event: 'fail' }
    ]),
    widget('back', 'say-play', { say: 'Back.' }, [{ event: 'audioComplete' }])
  ]), 'vars')
  const flow = await publish(app, definition, 'Numbers')
  const callSid = newCallSid()

  const flex = await incomingCall(app, flow, callSid)
  assert.match(flex.body, /<Task priority="7" timeout="900">\{\}<\/Task>/)
  const dial = await postForm(app, actionUrl(flex.body, 'Enqueue'), inCall(callSid, { QueueResult: 'bridged', QueueSid: 'QU' + '1'.repeat(32), QueueTime: '3' }))
  assert.match(dial.body, /<Dial action="[^"]*" timeout="10" timeLimit="9"><Number>\+15550001111<\/Number><\/Dial>/)
  const away = await postForm(app, actionUrl(dial.body, 'Dial'), inCall(callSid, { DialCallStatus: 'completed' }))
  assert.match(away.body, /<Redirect method="POST">https:\/\/example.com\/twiml<\/Redirect>/)

  const [e] = await executionsOf(app, flow)
  await moveClock(app, { advance_ms: 8_000 })
  assert.equal((await stepsOf(app, flow, e.sid)).at(-1)?.[0], 'dial', 'the redirect waits its 9 s, not the default 4 hours')
  await moveClock(app, { advance_ms: 1_500 })
  assert.deepEqual((await stepsOf(app, flow, e.sid)).at(-1), ['away', 'timeout', 'back', 'add-twiml-redirect'])
})

test('connect-call-to dials a client, a SIP endpoint, a conference or several numbers, and records when asked', async (t) => {
  const app = await buildTestApp(t)
  const dialled = async (properties: Record<string, unknown>): Promise<string> => {
    const definition = callsGoTo(flowOf(undefined, [
      widget('dial', 'connect-call-to', { caller_id: '{{trigger.call.To}}', ...properties }, [{ event: 'callCompleted' }, { event: 'hangup' }])
    ]), 'dial')
    const flow = await publish(app, definition, 'Dial')
    const answer = (await incomingCall(app, flow, newCallSid())).body
    const m = /<Dial [^>]*>(.*)<\/Dial>/.exec(answer)
    assert.ok(m !== null, answer)
    assert.match(answer, new RegExp(`<Dial action="[^"]*FlowEvent=callCompleted[^"]*" callerId="\\${FLOW_NUMBER}"`))
    return answer
  }
  assert.match(await dialled({ noun: 'client', to: 'agent_{{trigger.call.From | slice: -4, 4}}' }), /<Client>agent_2222<\/Client>/)
  assert.match(await dialled({ noun: 'sip', sip_endpoint: 'sip:desk@example.com', sip_username: 'desk', sip_password: 's3cret' }), /<Sip username="desk" password="s3cret">sip:desk@example.com<\/Sip>/)
  assert.match(await dialled({ noun: 'conference', to: 'room-{{trigger.call.CallSid | slice: -3, 3}}' }), /<Conference>room-[0-9a-f]{3}<\/Conference>/)
  assert.match(await dialled({ noun: 'number-multi', to: '+15550001111, +15550002222' }), /<Number>\+15550001111<\/Number><Number>\+15550002222<\/Number>/)
  assert.match(await dialled({ noun: 'sim', to: 'DE0123456789abcdef0123456789abcdef' }), /<Sim>DE0123456789abcdef0123456789abcdef<\/Sim>/)
  assert.match(await dialled({ noun: 'number', to: '+15550001111', record: true }), /<Dial [^>]*record="record-from-answer"><Number>/)
})

test('enqueue-call to a TaskRouter workflow: <Enqueue workflowSid> with its <Task>; QueueSid and QueueTime published; a system error takes callFailure', async (t) => {
  const app = await buildTestApp(t)
  const definition = callsGoTo(flowOf(undefined, [
    widget('queue', 'enqueue-call', { workflow_sid: 'WW0123456789abcdef0123456789abcdef', task_attributes: '{"caller":"{{trigger.call.From}}"}', priority: 3, timeout: 120 }, [
      { event: 'callComplete', next: 'again' }, { event: 'failedToEnqueue' }, { event: 'callFailure', next: 'sorry' }
    ]),
    widget('again', 'enqueue-call', { queue_name: 'overflow' }, [{ event: 'callComplete' }, { event: 'failedToEnqueue' }, { event: 'callFailure', next: 'sorry' }]),
    widget('sorry', 'say-play', { say: 'Sorry, {{widgets.again.QueueResult}}.' }, [{ event: 'audioComplete' }])
  ]), 'queue')
  const flow = await publish(app, definition, 'Queue')
  const callSid = newCallSid()

  const queued = await incomingCall(app, flow, callSid)
  assert.match(queued.body, /<Enqueue action="[^"]*FlowEvent=callComplete[^"]*" workflowSid="WW0123456789abcdef0123456789abcdef"><Task priority="3" timeout="120">\{"caller":"\+15551112222"\}<\/Task><\/Enqueue>/)
  const queueSid = 'QU' + 'a'.repeat(32)
  const again = await postForm(app, actionUrl(queued.body, 'Enqueue'), inCall(callSid, { QueueResult: 'bridged', QueueSid: queueSid, QueueTime: '42' }))
  assert.match(again.body, /<Enqueue action="[^"]*">overflow<\/Enqueue>/)
  const sorry = await postForm(app, actionUrl(again.body, 'Enqueue'), inCall(callSid, { QueueResult: 'system-error', QueueSid: queueSid, QueueTime: '0' }))
  assert.match(sorry.body, /<Say>Sorry, system-error.<\/Say>/)

  const [e] = await executionsOf(app, flow)
  assert.deepEqual((await stepsOf(app, flow, e.sid)).slice(1, 3).map(s => [s[0], s[1]]), [['queue', 'callComplete'], ['again', 'callFailure']])
  const widgets = (await contextOf(app, flow, e.sid)).widgets
  assert.equal(widgets.queue.QueueSid, queueSid)
  assert.equal(widgets.queue.QueueTime, '42')
  assert.equal(widgets.queue.QueueResult, 'bridged')
})

test('the caller hangs up at a Record or a Pay: the status callback takes their hangup; an unknown Pay Result is a provider error', async (t) => {
  const app = await buildTestApp(t)
  const definition = callsGoTo(flowOf(undefined, [
    widget('voicemail', 'record-voicemail', { max_length: 30 }, [{ event: 'recordingComplete', next: 'pay' }, { event: 'noAudio', next: 'pay' }, { event: 'hangup', next: 'note' }]),
    widget('pay', 'capture-payments', { payment_amount: '5.00', currency: 'usd', payment_connector: 'Stripe' }, [
      { event: 'success' }, { event: 'maxFailedAttempts' }, { event: 'providerError', next: 'note' }, { event: 'payInterrupted' }, { event: 'hangup', next: 'note' }, { event: 'validationError' }
    ]),
    widget('note', 'send-message', { body: 'after {{widgets.pay.Result | default: "hang-up"}}' }, [{ event: 'sent' }, { event: 'failed' }])
  ]), 'voicemail')
  const flow = await publish(app, definition, 'Hang-ups')

  // Hung up during the Record.
  const first = newCallSid()
  await incomingCall(app, flow, first)
  const status = await postForm(app, webhook(flow), inCall(first, { CallStatus: 'completed', CallDuration: '4' }))
  assert.equal(status.outcome, 'status')
  const byRecord = (await executionsOf(app, flow))[0]
  assert.equal(byRecord.status, 'ended')
  assert.deepEqual((await stepsOf(app, flow, byRecord.sid)).slice(1).map(s => [s[0], s[1], s[2]]), [['voicemail', 'hangup', 'note'], ['note', 'sent', 'Ended']])

  // Hung up during the Pay.
  const second = newCallSid()
  const record = await incomingCall(app, flow, second)
  const pay = await postForm(app, redirectUrl(record.body), inCall(second))
  assert.match(pay.body, /<Pay /)
  await postForm(app, webhook(flow), inCall(second, { CallStatus: 'completed' }))
  const byPay = (await executionsOf(app, flow))[0]
  assert.notEqual(byPay.sid, byRecord.sid)
  assert.deepEqual((await stepsOf(app, flow, byPay.sid)).slice(1).map(s => [s[0], s[1]]), [['voicemail', 'noAudio'], ['pay', 'hangup'], ['note', 'sent']])

  // Twilio's internal-error (or any Result this emulator does not know) is a failure, not a payment.
  const third = newCallSid()
  const payAgain = await postForm(app, redirectUrl((await incomingCall(app, flow, third)).body), inCall(third))
  await postForm(app, actionUrl(payAgain.body, 'Pay'), inCall(third, { Result: 'internal-error' }))
  const failed = (await executionsOf(app, flow))[0]
  assert.deepEqual((await stepsOf(app, flow, failed.sid)).slice(1).map(s => [s[0], s[1]]), [['voicemail', 'noAudio'], ['pay', 'providerError'], ['note', 'sent']])
  assert.deepEqual((await outbox(app, `execution=${failed.sid}&kind=message`)).map(m => m.body), ['after internal-error'])
})

test('Twilio\'s own request to a Gather\'s action with no input takes timeout', async (t) => {
  const app = await buildTestApp(t)
  const flow = await publish(app, exportFixture('ivr'), 'IVR')
  const callSid = newCallSid()
  const menu = await postForm(app, redirectUrl((await incomingCall(app, flow, callSid)).body), inCall(callSid))
  const empty = await postForm(app, actionUrl(menu.body, 'Gather'), inCall(callSid, { Digits: '', SpeechResult: '' }))
  assert.match(empty.body, /Sorry, I didn't get that/)
  const [e] = await executionsOf(app, flow)
  assert.deepEqual((await stepsOf(app, flow, e.sid)).at(-1), ['menu', 'timeout', 'no_input', 'gather-input-on-call'])
})

test('a voice post with only CallSid, From and To gets the fields Twilio always sends filled in', async (t) => {
  const app = await buildTestApp(t)
  const flow = await publish(app, exportFixture('ivr'), 'IVR')
  const callSid = newCallSid()
  const res = await postForm(app, webhook(flow), { CallSid: callSid, From: CALLER, To: FLOW_NUMBER })
  assert.equal(res.outcome, 'started')
  const [e] = await executionsOf(app, flow)
  const trigger = (await contextOf(app, flow, e.sid)).trigger.call
  assert.equal(trigger.CallSid, callSid)
  assert.equal(trigger.AccountSid, ACCOUNT_A.sid)
  assert.equal(trigger.CallStatus, 'ringing')
  assert.equal(trigger.Direction, 'inbound')
  assert.equal(trigger.ApiVersion, '2010-04-01')
  assert.equal(trigger.Caller, CALLER)
  assert.equal(trigger.Called, FLOW_NUMBER)
  assert.equal(trigger.ToCountry, '')
})

test('with STUDIO_PUBLIC_URL every URL in the TwiML is on that base', async (t) => {
  const app = await buildTestApp(t, { raw: { publicUrl: 'https://studio.example.test' } })
  const flow = await publish(app, exportFixture('ivr'), 'IVR')
  const callSid = newCallSid()
  const first = await incomingCall(app, flow, callSid)
  const base = `https://studio.example.test/v1/Accounts/${ACCOUNT_A.sid}/Flows/${flow}`
  assert.equal(redirectUrl(first.body), `${base}?FlowEvent=audioComplete&FlowStep=1`)
  const menu = await postForm(app, redirectUrl(first.body), inCall(callSid))
  assert.equal(actionUrl(menu.body, 'Gather'), `${base}?FlowEvent=gatherInput&FlowStep=2`)
  assert.equal(redirectUrl(menu.body), `${base}?FlowEvent=timeout&FlowStep=2`)
})

test('account B\'s own flow receiving account A\'s call: nothing starts or moves in either account', async (t) => {
  const app = await buildTestApp(t)
  const flowA = await publish(app, exportFixture('ivr'), 'IVR')
  const created = await call(app, 'POST', '/v2/Flows', { FriendlyName: 'B IVR', Status: 'published', Definition: JSON.stringify(exportFixture('ivr')) }, ACCOUNT_B)
  assert.equal(created.status, 201)
  const flowB = created.body.sid as string
  const callSid = newCallSid()
  await postForm(app, redirectUrl((await incomingCall(app, flowA, callSid)).body), inCall(callSid))
  const [e] = await executionsOf(app, flowA)
  const before = await stepsOf(app, flowA, e.sid)

  const foreign = await postForm(app, `${webhook(flowB, ACCOUNT_B.sid)}?FlowEvent=gatherInput&FlowStep=2`, { ...inCall(callSid, { Digits: '1' }), AccountSid: ACCOUNT_B.sid })
  assert.equal(foreign.outcome, 'ignored')
  assert.equal(foreign.body, HANGUP)
  const hangup = await postForm(app, webhook(flowB, ACCOUNT_B.sid), { ...inCall(callSid, { CallStatus: 'completed' }), AccountSid: ACCOUNT_B.sid })
  assert.notEqual(hangup.status, 500)
  assert.deepEqual(await executionsOf(app, flowB, ACCOUNT_B), [])
  assert.deepEqual(await stepsOf(app, flowA, e.sid), before)
  assert.equal((await executionsOf(app, flowA))[0].status, 'active')
})
