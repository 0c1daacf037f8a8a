// Calls into a flow over Twilio's own interface: the flow's webhook takes Twilio's voice webhook, answers with TwiML,
// and following that TwiML (its Redirects and action URLs, as Twilio would) advances the execution. The IVR is a
// Studio export (test/fixtures/ivr.json): greeting, gather, split on digits or speech, say, dial, hang up.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import twilio from 'twilio'
import { buildApp } from '../../src/app.js'
import { ACCOUNT_A, ACCOUNT_B, assertTwilioError, buildTestApp, call, testConfig } from '../support/helper.js'
import { contextOf, execution, flowOf, moveClock, outbox, publish, stepsOf, widget } from '../support/engine-helper.js'
import { exportFixture } from '../support/flows.js'
import { CALLER, FLOW_NUMBER, actionUrl, inCall, incomingCall, newCallSid, postForm, redirectUrl, webhook } from '../support/voice.js'

/** A test flow whose Trigger sends calls (only) to `first`. */
function callsGoTo (definition: Record<string, any>, first: string): void {
  definition.states[0].transitions = [{ event: 'incomingCall', next: first }]
}

const executionsOf = async (app: Parameters<typeof call>[0], flow: string) => (await call(app, 'GET', `/v2/Flows/${flow}/Executions`)).body.executions as any[]

test('an incoming call runs the IVR: TwiML as twilio-node writes it, Redirects and the Gather action advance the execution, the flow end hangs up', async (t) => {
  const app = await buildTestApp(t)
  const flow = await publish(app, exportFixture('ivr'), 'IVR')
  const callSid = newCallSid()
  const hook = `http://localhost:80${webhook(flow)}`

  const first = await incomingCall(app, flow, callSid)
  assert.equal(first.status, 200)
  assert.equal(first.outcome, 'started')
  assert.match(first.contentType ?? '', /^text\/xml/)
  // The greeting, rendered with trigger.call.From, then a Redirect back to Studio: byte for byte twilio-node's TwiML.
  const greeting = new twilio.twiml.VoiceResponse()
  greeting.say({ voice: 'Polly.Joanna', language: 'en-US', loop: 1 }, `Thanks for calling Acme, ${CALLER}.`)
  greeting.redirect(`${hook}?FlowEvent=audioComplete&FlowStep=1`)
  assert.equal(first.body, greeting.toString())

  const [started] = await executionsOf(app, flow)
  assert.equal(started.status, 'active')
  assert.equal(started.contact_channel_address, CALLER)
  const context = await contextOf(app, flow, started.sid)
  assert.equal(context.trigger.call.CallSid, callSid)
  assert.equal(context.trigger.call.From, CALLER)
  assert.equal(context.trigger.call.Caller, CALLER, 'Twilio fills Caller and Called')
  assert.equal(context.trigger.call.Called, FLOW_NUMBER)
  assert.equal(context.trigger.call.FromCity, '', 'geographic fields are present, empty when Twilio has no data')
  assert.deepEqual(context.contact, { channel: { address: CALLER } })
  assert.equal(context.flow.channel.address, FLOW_NUMBER)
  assert.equal((await execution(app, flow, started.sid)).initiated_by, callSid)

  // Twilio follows the Redirect when the greeting has played: the menu's Gather.
  const menu = await postForm(app, redirectUrl(first.body), inCall(callSid))
  assert.equal(menu.outcome, 'resumed')
  const gather = new twilio.twiml.VoiceResponse()
  gather.gather({
    action: `${hook}?FlowEvent=gatherInput&FlowStep=2`, input: ['dtmf', 'speech'], finishOnKey: '#', numDigits: 1, timeout: 5, speechTimeout: 'auto', language: 'en-US', profanityFilter: true
  }).say({ voice: 'Polly.Joanna', language: 'en-US', loop: 1 }, 'Press 1 or say sales for sales. Press 2 for support.')
  gather.redirect(`${hook}?FlowEvent=timeout&FlowStep=2`)
  assert.equal(menu.body, gather.toString())

  // The caller presses 1: keypress, split on Digits, the sales message; following it ends the flow with <Hangup/>.
  const sales = await postForm(app, actionUrl(menu.body, 'Gather'), inCall(callSid, { Digits: '1', FinishedOnKey: '', msg: 'Gather End' }))
  assert.match(sales.body, /<Say voice="Polly.Joanna" language="en-US" loop="1">Sales is closed today. Goodbye.<\/Say><Redirect>/)
  const end = await postForm(app, redirectUrl(sales.body), inCall(callSid))
  assert.equal(end.body, '<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>')

  assert.equal((await execution(app, flow, started.sid)).status, 'ended')
  assert.deepEqual(await stepsOf(app, flow, started.sid), [
    ['Trigger', 'incomingCall', 'greeting', 'trigger'],
    ['greeting', 'audioComplete', 'menu', 'say-play'],
    ['menu', 'keypress', 'route_digits', 'gather-input-on-call'],
    ['route_digits', 'match', 'sales', 'split-based-on'],
    ['sales', 'audioComplete', 'Ended', 'say-play']
  ])
  const widgets = (await contextOf(app, flow, started.sid)).widgets
  assert.equal(widgets.menu.Digits, '1')
  assert.equal(widgets.menu.CallSid, callSid, 'the request\'s call fields are published too')
  assert.equal(widgets.greeting.voice, 'Polly.Joanna')
  assert.deepEqual((await outbox(app, `execution=${started.sid}`)).map(m => [m.kind, m.widget, m.to, m.body]), [
    ['say', 'greeting', CALLER, `Thanks for calling Acme, ${CALLER}.`],
    ['gather', 'menu', CALLER, 'Press 1 or say sales for sales. Press 2 for support.'],
    ['say', 'sales', CALLER, 'Sales is closed today. Goodbye.']
  ])

  // The status callback after the hang-up changes nothing more.
  const status = await postForm(app, webhook(flow), inCall(callSid, { CallStatus: 'completed', CallDuration: '42' }))
  assert.equal(status.outcome, 'ignored')
  assert.equal((await stepsOf(app, flow, started.sid)).length, 5)
})

test('speech: SpeechResult and Confidence are published and the speech transition taken', async (t) => {
  const app = await buildTestApp(t)
  const flow = await publish(app, exportFixture('ivr'), 'IVR')
  const callSid = newCallSid()
  const menu = await postForm(app, redirectUrl((await incomingCall(app, flow, callSid)).body), inCall(callSid))
  const after = await postForm(app, actionUrl(menu.body, 'Gather'), inCall(callSid, { SpeechResult: 'Sales, please.', Confidence: '0.91' }))
  assert.match(after.body, /Sales is closed today/)
  const [e] = await executionsOf(app, flow)
  const widgets = (await contextOf(app, flow, e.sid)).widgets
  assert.equal(widgets.menu.SpeechResult, 'Sales, please.')
  assert.equal(widgets.menu.Confidence, '0.91')
  assert.deepEqual((await stepsOf(app, flow, e.sid))[2], ['menu', 'speech', 'route_speech', 'gather-input-on-call'])
})

test('no input within the gather timeout on the emulator clock takes timeout; a stale timeout request afterwards changes nothing', async (t) => {
  const app = await buildTestApp(t)
  const flow = await publish(app, exportFixture('ivr'), 'IVR')
  const callSid = newCallSid()
  const menu = await postForm(app, redirectUrl((await incomingCall(app, flow, callSid)).body), inCall(callSid))
  const [e] = await executionsOf(app, flow)

  await moveClock(app, { advance_ms: 4_000 })
  assert.equal((await stepsOf(app, flow, e.sid)).length, 2, 'still listening after 4 s')
  await moveClock(app, { advance_ms: 1_500 })
  assert.deepEqual((await stepsOf(app, flow, e.sid)).at(-1), ['menu', 'timeout', 'no_input', 'gather-input-on-call'])

  // Twilio's own request after the Gather arrives late: the call is told what it should follow now (the apology).
  const late = await postForm(app, redirectUrl(menu.body), inCall(callSid))
  assert.equal(late.outcome, 'resumed')
  assert.match(late.body, /Sorry, I didn't get that/)
  assert.equal((await stepsOf(app, flow, e.sid)).length, 3, 'no second timeout')

  // After the apology the menu listens again; Twilio's own no-input request takes timeout the same way.
  const again = await postForm(app, redirectUrl(late.body), inCall(callSid))
  assert.match(again.body, /<Gather /)
  const noInput = await postForm(app, redirectUrl(again.body), inCall(callSid))
  assert.match(noInput.body, /Sorry, I didn't get that/)
  assert.deepEqual((await stepsOf(app, flow, e.sid)).slice(-2), [['no_input', 'audioComplete', 'menu', 'say-play'], ['menu', 'timeout', 'no_input', 'gather-input-on-call']])
})

test('the caller hangs up during the Dial: the status callback takes hangup, and the flow goes on to text the caller', async (t) => {
  const app = await buildTestApp(t)
  const flow = await publish(app, exportFixture('ivr'), 'IVR')
  const callSid = newCallSid()
  const menu = await postForm(app, redirectUrl((await incomingCall(app, flow, callSid)).body), inCall(callSid))
  const dial = await postForm(app, actionUrl(menu.body, 'Gather'), inCall(callSid, { Digits: '2' }))
  assert.match(dial.body, /<Dial action="[^"]*FlowEvent=callCompleted[^"]*" callerId="\+15551112222" timeout="20"><Number>\+15550001111<\/Number><\/Dial>/)

  const hangup = await postForm(app, webhook(flow), inCall(callSid, { CallStatus: 'completed', CallDuration: '12', Timestamp: 'Thu, 03 Dec 2026 09:00:00 +0000', CallbackSource: 'call-progress-events', SequenceNumber: '0' }))
  assert.equal(hangup.status, 200)
  assert.equal(hangup.outcome, 'status')
  assert.equal(hangup.body, '<?xml version="1.0" encoding="UTF-8"?><Response/>')
  const [e] = await executionsOf(app, flow)
  assert.equal(e.status, 'ended')
  assert.deepEqual((await stepsOf(app, flow, e.sid)).slice(-2), [['support', 'hangup', 'missed_you', 'connect-call-to'], ['missed_you', 'sent', 'Ended', 'send-message']])
  const texts = await outbox(app, `execution=${e.sid}&kind=message`)
  assert.deepEqual(texts.map(m => [m.to, m.from, m.body]), [[CALLER, FLOW_NUMBER, 'Sorry we missed you. Support will call you back.']])
  assert.equal((await contextOf(app, flow, e.sid)).widgets.support.CallStatus, 'completed')

  // Later requests for the call answer <Hangup/> and start nothing.
  const late = await postForm(app, actionUrl(dial.body, 'Dial'), inCall(callSid, { DialCallStatus: 'completed' }))
  assert.equal(late.body, '<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>')
  assert.equal((await executionsOf(app, flow)).length, 1)
})

test('the Dial ends: callCompleted publishes DialCallStatus and friends', async (t) => {
  const app = await buildTestApp(t)
  const flow = await publish(app, exportFixture('ivr'), 'IVR')
  const callSid = newCallSid()
  const menu = await postForm(app, redirectUrl((await incomingCall(app, flow, callSid)).body), inCall(callSid))
  const dial = await postForm(app, actionUrl(menu.body, 'Gather'), inCall(callSid, { Digits: '2' }))
  const done = await postForm(app, actionUrl(dial.body, 'Dial'), inCall(callSid, { DialCallStatus: 'no-answer', DialCallSid: newCallSid(), DialCallDuration: '0' }))
  assert.equal(done.body, '<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>')
  const [e] = await executionsOf(app, flow)
  assert.deepEqual((await stepsOf(app, flow, e.sid)).at(-1), ['support', 'callCompleted', 'Ended', 'connect-call-to'])
  assert.equal((await contextOf(app, flow, e.sid)).widgets.support.DialCallStatus, 'no-answer')
})

test('a hang-up while a widget without hangup listens ends the execution at once', async (t) => {
  const app = await buildTestApp(t)
  const flow = await publish(app, exportFixture('ivr'), 'IVR')
  const callSid = newCallSid()
  await postForm(app, redirectUrl((await incomingCall(app, flow, callSid)).body), inCall(callSid))
  await postForm(app, webhook(flow), inCall(callSid, { CallStatus: 'completed' }))
  const [e] = await executionsOf(app, flow)
  assert.equal(e.status, 'ended')
  assert.equal((await stepsOf(app, flow, e.sid)).length, 2, 'no step for the gather: the execution just ends')
  // The clock passing the gather's timeout does nothing more.
  await moveClock(app, { advance_ms: 60_000 })
  assert.equal((await stepsOf(app, flow, e.sid)).length, 2)
})

test('voice widgets render Liquid in every attribute and text; record, enqueue, Flex and pay answer their TwiML and publish what Twilio posts', async (t) => {
  const app = await buildTestApp(t)
  const definition = flowOf(undefined, [
    widget('vars', 'set-variables', { variables: [{ key: 'queue', value: 'support-{{trigger.call.To | slice: -4, 4}}' }] }, [{ event: 'next', next: 'voicemail' }]),
    widget('voicemail', 'record-voicemail', { max_length: 60, timeout: 5, finish_on_key: '#', play_beep: 'true', trim: 'trim-silence', recording_status_callback_url: 'https://example.com/rec?c={{trigger.call.CallSid}}' }, [
      { event: 'recordingComplete', next: 'queue' }, { event: 'noAudio', next: 'queue' }, { event: 'hangup' }
    ]),
    widget('queue', 'enqueue-call', { queue_name: '{{flow.variables.queue}}', wait_url: 'https://example.com/hold' }, [
      { event: 'callComplete', next: 'flex' }, { event: 'failedToEnqueue', next: 'flex' }, { event: 'callFailure' }
    ]),
    widget('flex', 'send-to-flex', { workflow: 'WW0123456789abcdef0123456789abcdef', channel: 'TC0123456789abcdef0123456789abcdef', attributes: '{"type":"inbound","name":"{{trigger.call.From}}"}', priority: '5', timeout: '600' }, [
      { event: 'callComplete', next: 'pay' }, { event: 'failedToEnqueue' }, { event: 'callFailure' }
    ]),
    widget('pay', 'capture-payments', { payment_amount: '{{flow.variables.amount | default: "9.99"}}', currency: 'usd', payment_connector: 'Stripe', max_attempts: 2, security_code: true, valid_card_types: ['visa', 'amex'] }, [
      { event: 'success' }, { event: 'maxFailedAttempts' }, { event: 'providerError' }, { event: 'payInterrupted' }, { event: 'hangup' }, { event: 'validationError' }
    ])
  ])
  callsGoTo(definition, 'vars')
  const flow = await publish(app, definition, 'Back office')
  const callSid = newCallSid()

  const record = await incomingCall(app, flow, callSid)
  assert.match(record.body, new RegExp(`<Record action="[^"]*FlowEvent=recordingComplete[^"]*" maxLength="60" timeout="5" finishOnKey="#" playBeep="true" trim="trim-silence" recordingStatusCallback="https://example.com/rec\\?c=${callSid}"/><Redirect>[^<]*FlowEvent=noAudio`))
  const queue = await postForm(app, actionUrl(record.body, 'Record'), inCall(callSid, { RecordingUrl: 'https://api.twilio.com/r/RE1', RecordingSid: 'RE' + '1'.repeat(32), RecordingDuration: '7', Digits: '#' }))
  assert.match(queue.body, /<Enqueue action="[^"]*FlowEvent=callComplete[^"]*" waitUrl="https:\/\/example.com\/hold">support-4444<\/Enqueue>/)
  const flex = await postForm(app, actionUrl(queue.body, 'Enqueue'), inCall(callSid, { QueueResult: 'queue-full', QueueSid: 'QU' + '2'.repeat(32), QueueTime: '0' }))
  assert.match(flex.body, /<Enqueue action="[^"]*" workflowSid="WW0123456789abcdef0123456789abcdef"><Task priority="5" timeout="600">\{"type":"inbound","name":"\+15551112222"\}<\/Task><\/Enqueue>/)
  const pay = await postForm(app, actionUrl(flex.body, 'Enqueue'), inCall(callSid, { QueueResult: 'bridged', QueueSid: 'QU' + '3'.repeat(32), QueueTime: '31' }))
  assert.match(pay.body, /<Pay action="[^"]*FlowEvent=payComplete[^"]*" chargeAmount="9.99" currency="usd" paymentConnector="Stripe" maxAttempts="2" securityCode="true" validCardTypes="visa amex"\/>/)
  const done = await postForm(app, actionUrl(pay.body, 'Pay'), inCall(callSid, { Result: 'too-many-failed-attempts' }))
  assert.match(done.body, /<Hangup\/>/)

  const [e] = await executionsOf(app, flow)
  assert.deepEqual((await stepsOf(app, flow, e.sid)).slice(2).map(s => [s[0], s[1]]), [
    ['voicemail', 'recordingComplete'], ['queue', 'failedToEnqueue'], ['flex', 'callComplete'], ['pay', 'maxFailedAttempts']
  ])
  const widgets = (await contextOf(app, flow, e.sid)).widgets
  assert.equal(widgets.voicemail.RecordingDuration, '7')
  assert.equal(widgets.queue.QueueResult, 'queue-full')
  assert.match(widgets.flex.TaskSid, /^WT[0-9a-f]{32}$/)
  assert.equal(widgets.flex.Attributes, '{"type":"inbound","name":"+15551112222"}')
  assert.equal(widgets.flex.Age, '31')
  assert.equal(widgets.flex.QueueTime, '31')
  assert.equal(widgets.pay.Result, 'too-many-failed-attempts')
})

test('TwiML Redirect hands the call to other TwiML; ?FlowEvent=return brings it back with its query parameters published', async (t) => {
  const app = await buildTestApp(t)
  const definition = flowOf(undefined, [
    widget('elsewhere', 'add-twiml-redirect', { url: 'https://example.com/twiml?c={{trigger.call.CallSid}}', method: 'GET', timeout: '60' }, [
      { event: 'return', next: 'thanks' }, { event: 'timeout', next: 'thanks' }, { event: 'fail' }
    ]),
    widget('thanks', 'say-play', { say: 'Back in Studio. Order {{widgets.elsewhere.order}}.' }, [{ event: 'audioComplete' }])
  ])
  callsGoTo(definition, 'elsewhere')
  const flow = await publish(app, definition, 'Redirect')
  const callSid = newCallSid()
  const away = await incomingCall(app, flow, callSid)
  assert.equal(away.body, `<?xml version="1.0" encoding="UTF-8"?><Response><Redirect method="GET">https://example.com/twiml?c=${callSid}</Redirect></Response>`)
  // The other app redirects back as Studio documents: {webhook}?FlowEvent=return&order=42.
  const back = await postForm(app, `${webhook(flow)}?FlowEvent=return&order=42`, inCall(callSid))
  assert.match(back.body, /<Say>Back in Studio. Order 42.<\/Say>/)
  const [e] = await executionsOf(app, flow)
  assert.deepEqual((await stepsOf(app, flow, e.sid))[1], ['elsewhere', 'return', 'thanks', 'add-twiml-redirect'])
})

test('Concurrent Calls: on by default one caller may have several calls; a flow that turns it off rejects the second', async (t) => {
  const app = await buildTestApp(t)
  const flow = await publish(app, exportFixture('ivr'), 'IVR')
  await incomingCall(app, flow, newCallSid())
  const second = await incomingCall(app, flow, newCallSid())
  assert.equal(second.outcome, 'started')
  assert.equal((await executionsOf(app, flow)).filter(e => e.status === 'active').length, 2)

  const strict = exportFixture('ivr')
  strict.flags = { allow_concurrent_calls: false }
  const strictFlow = await publish(app, strict, 'Old IVR')
  await incomingCall(app, strictFlow, newCallSid())
  const blocked = await incomingCall(app, strictFlow, newCallSid())
  assert.equal(blocked.outcome, 'rejected')
  assert.equal(blocked.body, '<?xml version="1.0" encoding="UTF-8"?><Response><Reject/></Response>')
  assert.equal((await executionsOf(app, strictFlow)).length, 1)
})

test('bad voice requests get Twilio-style answers, never a 500, never a new execution, and change no other execution', async (t) => {
  const app = await buildTestApp(t)
  const flow = await publish(app, exportFixture('ivr'), 'IVR')
  const callSid = newCallSid()
  const menu = await postForm(app, redirectUrl((await incomingCall(app, flow, callSid)).body), inCall(callSid))
  const [e] = await executionsOf(app, flow)
  const stepsBefore = await stepsOf(app, flow, e.sid)
  const asJson = (r: { status: number, body: string, contentType: string | undefined }) => ({ status: r.status, body: JSON.parse(r.body), headers: { 'content-type': r.contentType } })

  for (const missing of ['From', 'To', 'CallSid']) {
    const fields = { CallSid: newCallSid(), From: CALLER, To: FLOW_NUMBER, CallStatus: 'ringing' }
    delete (fields as Record<string, string>)[missing]
    assertTwilioError(asJson(await postForm(app, webhook(flow), fields)), 400, 20001, `Missing required parameter ${missing} in the post body`)
  }
  assertTwilioError(asJson(await postForm(app, webhook(flow), { CallSid: 'CA123', From: CALLER, To: FLOW_NUMBER })), 400, 20001, /Invalid parameter CallSid/)
  assertTwilioError(asJson(await postForm(app, actionUrl(menu.body, 'Gather'), inCall(callSid, { Digits: '1; DROP TABLE' }))), 400, 20001, /Invalid parameter Digits/)
  assertTwilioError(asJson(await postForm(app, `${webhook(flow)}?FlowEvent=gatherInput&FlowStep=x`, inCall(callSid, { Digits: '1' }))), 400, 20001, /Invalid parameter FlowStep/)

  // A gather action for a call the flow does not know, or posted under another account: <Hangup/>, nothing started.
  const unknown = await postForm(app, `${webhook(flow)}?FlowEvent=gatherInput&FlowStep=2`, inCall(newCallSid(), { Digits: '1' }))
  assert.equal(unknown.outcome, 'ignored')
  assert.equal(unknown.body, '<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>')
  const foreign = await postForm(app, `${webhook(flow, ACCOUNT_B.sid)}?FlowEvent=gatherInput&FlowStep=2`, inCall(callSid, { Digits: '1' }))
  assert.equal(foreign.status, 404, 'account B has no such flow')
  // A report for an older wait (FlowStep) than the one the call is at changes nothing.
  const stale = await postForm(app, `${webhook(flow)}?FlowEvent=audioComplete&FlowStep=1`, inCall(callSid))
  assert.equal(stale.outcome, 'resumed')
  assert.match(stale.body, /<Gather /)

  assert.deepEqual(await stepsOf(app, flow, e.sid), stepsBefore)
  assert.equal((await executionsOf(app, flow)).length, 1)
  assert.deepEqual((await call(app, 'GET', `/v2/Flows/${flow}/Executions`, undefined, ACCOUNT_B)).body.executions ?? [], [], 'account B sees nothing')

  // The execution ended over REST: the call's next request is told to hang up.
  assert.equal((await call(app, 'POST', `/v2/Flows/${flow}/Executions/${e.sid}`, { Status: 'ended' })).status, 200)
  const afterEnd = await postForm(app, actionUrl(menu.body, 'Gather'), inCall(callSid, { Digits: '1' }))
  assert.equal(afterEnd.body, '<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>')
  assert.deepEqual(await stepsOf(app, flow, e.sid), stepsBefore)
})

test('signed requests (X-Twilio-Signature) are taken like unsigned ones', async (t) => {
  const app = await buildTestApp(t)
  const flow = await publish(app, exportFixture('ivr'), 'IVR')
  const url = `http://localhost${webhook(flow)}`
  const fields = { CallSid: newCallSid(), From: CALLER, To: FLOW_NUMBER, CallStatus: 'ringing' }
  const signature = twilio.getExpectedTwilioSignature(ACCOUNT_A.authToken, url, fields)
  const res = await app.inject({ method: 'POST', url: webhook(flow), headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature }, payload: new URLSearchParams(fields).toString() })
  assert.equal(res.statusCode, 200)
  assert.match(res.body, /<Say /)
})

test('a call survives a restart: the TwiML it follows and its execution are on disk, and the next request goes on', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'studio-emulator-voice-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const config = testConfig({ db: join(dir, 'studio.db') })
  const first = await buildApp({ config })
  const flow = await publish(first, exportFixture('ivr'), 'IVR')
  const callSid = newCallSid()
  const menu = await postForm(first, redirectUrl((await incomingCall(first, flow, callSid)).body), inCall(callSid))
  await first.close()

  const second = await buildApp({ config })
  t.after(async () => { await second.close() })
  await second.ready()
  const sales = await postForm(second, actionUrl(menu.body, 'Gather'), inCall(callSid, { Digits: '1' }))
  assert.equal(sales.outcome, 'resumed')
  assert.match(sales.body, /Sales is closed today/)
  const [e] = await executionsOf(second, flow)
  assert.deepEqual((await stepsOf(second, flow, e.sid)).map(s => s[1]), ['incomingCall', 'audioComplete', 'keypress', 'match'])
})

test('a subflow on the call: its Gather answers the parent\'s call and its variables come back to the parent', async (t) => {
  const app = await buildTestApp(t)
  const menu = flowOf(undefined, [
    widget('ask', 'gather-input-on-call', { say: 'Choose a number, {{trigger.call.From}}.', number_of_digits: 1 }, [{ event: 'keypress', next: 'keep' }, { event: 'speech' }, { event: 'timeout' }]),
    widget('keep', 'set-variables', { variables: [{ key: 'choice', value: '{{widgets.ask.Digits}}' }] }, [{ event: 'next' }])
  ])
  const menuTrigger = (menu as { states: Array<Record<string, unknown>> }).states[0] as Record<string, unknown>
  menuTrigger.transitions = [{ event: 'incomingParent', next: 'ask' }]
  const menuFlow = await publish(app, menu, 'Menu')
  const main = flowOf(undefined, [
    widget('sub', 'run-subflow', { flow_sid: menuFlow, flow_revision: 'LatestPublished', parameters: [] }, [{ event: 'completed', next: 'bye' }, { event: 'failed' }]),
    widget('bye', 'say-play', { say: 'You chose {{widgets.sub.choice}}.' }, [{ event: 'audioComplete' }])
  ])
  callsGoTo(main, 'sub')
  const flow = await publish(app, main, 'Main')
  const callSid = newCallSid()
  const asked = await incomingCall(app, flow, callSid)
  assert.match(asked.body, new RegExp(`<Gather action="http://localhost:80${webhook(flow)}\\?FlowEvent=gatherInput[^"]*" input="dtmf" finishOnKey="#" numDigits="1" timeout="5"><Say>Choose a number, \\${CALLER}.</Say></Gather>`))
  const bye = await postForm(app, actionUrl(asked.body, 'Gather'), inCall(callSid, { Digits: '7' }))
  assert.match(bye.body, /<Say>You chose 7.<\/Say>/)
  const [e] = await executionsOf(app, flow)
  assert.deepEqual((await stepsOf(app, flow, e.sid)).map(s => [s[0], s[1]]), [
    ['Trigger', 'incomingCall'], ['Trigger', 'incomingParent'], ['ask', 'keypress'], ['keep', 'next'], ['sub', 'completed']
  ])
})

test('SSML in a Say (break, emphasis, …) is kept as elements, as twilio-node writes them; other markup is spoken as text', async (t) => {
  const app = await buildTestApp(t)
  const definition = flowOf(undefined, [
    widget('hello', 'say-play', { say: 'Hello <break time=\'1s\'/> {{trigger.call.From}} & co, <emphasis level="strong">now</emphasis> <script>x</script>', voice: 'Polly.Amy' }, [{ event: 'audioComplete' }])
  ])
  callsGoTo(definition, 'hello')
  const flow = await publish(app, definition, 'SSML')
  const res = await incomingCall(app, flow, newCallSid())
  const expected = new twilio.twiml.VoiceResponse()
  const say = expected.say({ voice: 'Polly.Amy' }, 'Hello ')
  say.break({ time: '1s' })
  say.addText(` ${CALLER} & co, `)
  say.emphasis({ level: 'strong' }, 'now')
  say.addText(' <script>x</script>')
  expected.redirect(`http://localhost:80${webhook(flow)}?FlowEvent=audioComplete&FlowStep=1`)
  assert.equal(res.body, expected.toString())
})
