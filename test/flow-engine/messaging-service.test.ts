// Messaging Services at the flow webhook, end to end over HTTP: a REST execution started with From=MG… is resumed by
// the contact's reply that Twilio posts with MessagingServiceSid=MG… and To=one of the service's numbers; inbound
// posts get Twilio's default webhook fields (NumMedia, SmsStatus, ApiVersion, …) when the caller leaves them out.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { ACCOUNT_A, ACCOUNT_B, buildTestApp, call } from '../support/helper.js'
import { contextOf, execution, inbound, outbox, publish, start, stepsOf } from '../support/engine-helper.js'

const survey = (): Record<string, unknown> => JSON.parse(readFileSync(new URL('../fixtures/messaging-service-survey.json', import.meta.url), 'utf8'))

const SERVICE = 'MG0123456789abcdef0123456789abcdef'
const OTHER_SERVICE = 'MGfedcba9876543210fedcba9876543210'
const CONTACT = '+15551230001'
const SERVICE_NUMBER = '+15559870000'
const PARAMETERS = JSON.stringify({ name: 'Ana', topic: 'stay' })

test('a REST execution from a Messaging Service is resumed by the reply Twilio posts with MessagingServiceSid and one of its numbers', async (t) => {
  const app = await buildTestApp(t)
  const flow = await publish(app, survey(), 'Survey')
  const sid = await start(app, flow, { To: CONTACT, From: SERVICE, Parameters: PARAMETERS })

  // Waiting in Survey: the question went out from the service.
  assert.deepEqual(await stepsOf(app, flow, sid), [['Trigger', 'incomingRequest', 'Survey', 'trigger']])
  assert.deepEqual((await outbox(app, `execution=${sid}`)).map(m => [m.widget, m.to, m.from, m.body]), [
    ['Survey', CONTACT, SERVICE, 'Hi Ana, how was your stay? Reply 1-5.']
  ])

  const reply = await inbound(app, flow, { From: CONTACT, To: SERVICE_NUMBER, MessagingServiceSid: SERVICE, Body: '5' })
  assert.equal(reply.statusCode, 200)
  assert.equal(reply.headers['x-studio-emulator-outcome'], 'resumed')
  assert.match(reply.body, /<Response\/>/)

  // No second execution; the first one went on and ended.
  const list = (await call(app, 'GET', `/v2/Flows/${flow}/Executions`)).body.executions
  assert.deepEqual(list.map((e: any) => e.sid), [sid])
  assert.equal((await execution(app, flow, sid)).status, 'ended')
  assert.deepEqual(await stepsOf(app, flow, sid), [
    ['Trigger', 'incomingRequest', 'Survey', 'trigger'],
    ['Survey', 'incomingMessage', 'Echo', 'send-and-wait-for-reply'],
    ['Echo', 'sent', 'Ended', 'send-message']
  ])

  const context = await contextOf(app, flow, sid)
  assert.equal(context.flow.channel.address, SERVICE)
  assert.equal(context.contact.channel.address, CONTACT)
  assert.deepEqual(context.trigger.request, { from: SERVICE, to: CONTACT, parameters: { name: 'Ana', topic: 'stay' } })
  const received = context.widgets.Survey.inbound
  assert.equal(received.Body, '5')
  assert.equal(received.From, CONTACT)
  assert.equal(received.To, SERVICE_NUMBER)
  assert.equal(received.MessagingServiceSid, SERVICE)
  assert.equal(context.widgets.Echo.outbound.Body, `5 for stay, received at ${SERVICE_NUMBER} via ${SERVICE} (0 media, received)`)
  assert.deepEqual((await outbox(app, `execution=${sid}`)).map(m => [m.widget, m.to, m.from, m.body]), [
    ['Survey', CONTACT, SERVICE, 'Hi Ana, how was your stay? Reply 1-5.'],
    ['Echo', CONTACT, SERVICE, `5 for stay, received at ${SERVICE_NUMBER} via ${SERVICE} (0 media, received)`]
  ])

  // The Survey step's own Context has the inbound message with Twilio's defaults filled in.
  const steps = (await call(app, 'GET', `/v2/Flows/${flow}/Executions/${sid}/Steps`)).body.steps
  const surveyStep = steps.find((s: any) => s.transitioned_from === 'Survey')
  const stepContext = (await call(app, 'GET', `/v2/Flows/${flow}/Executions/${sid}/Steps/${surveyStep.sid as string}/Context`)).body.context
  const stepInbound = stepContext.widgets.Survey.inbound
  assert.equal(stepInbound.NumMedia, '0')
  assert.equal(stepInbound.NumSegments, '1')
  assert.equal(stepInbound.SmsStatus, 'received')
  assert.equal(stepInbound.ApiVersion, '2010-04-01')
  assert.equal(stepInbound.AccountSid, ACCOUNT_A.sid)
  assert.match(stepInbound.MessageSid, /^SM[0-9a-f]{32}$/)
  assert.equal(stepInbound.SmsSid, stepInbound.MessageSid)
  assert.equal(stepInbound.SmsMessageSid, stepInbound.MessageSid)
  for (const geo of ['FromCity', 'FromState', 'FromZip', 'FromCountry', 'ToCity', 'ToState', 'ToZip', 'ToCountry']) assert.equal(stepInbound[geo], '', geo)
})

test('a reply that names neither the execution\'s channel nor its Messaging Service does not resume it', async (t) => {
  const app = await buildTestApp(t)
  const flow = await publish(app, survey(), 'Survey')
  const sid = await start(app, flow, { To: CONTACT, From: SERVICE, Parameters: PARAMETERS })

  // Another number, no service: a new execution on that number, the survey still waits.
  const plain = await inbound(app, flow, { From: CONTACT, To: '+15550009999', Body: '4' })
  assert.equal(plain.headers['x-studio-emulator-outcome'], 'started')
  // Another service's number and SID: not this execution either.
  const other = await inbound(app, flow, { From: CONTACT, To: '+15550008888', MessagingServiceSid: OTHER_SERVICE, Body: '3' })
  assert.equal(other.headers['x-studio-emulator-outcome'], 'started')
  // The service's SID from another contact: not this execution.
  const stranger = await inbound(app, flow, { From: '+15551239999', To: SERVICE_NUMBER, MessagingServiceSid: SERVICE, Body: '2' })
  assert.equal(stranger.headers['x-studio-emulator-outcome'], 'started')
  // The right reply at another account's webhook: the flow is not there.
  const foreign = await inbound(app, flow, { From: CONTACT, To: SERVICE_NUMBER, MessagingServiceSid: SERVICE, Body: '1' }, ACCOUNT_B.sid)
  assert.equal(foreign.statusCode, 404)

  assert.equal((await execution(app, flow, sid)).status, 'active')
  assert.deepEqual(await stepsOf(app, flow, sid), [['Trigger', 'incomingRequest', 'Survey', 'trigger']])
  assert.equal((await contextOf(app, flow, sid)).widgets.Survey.inbound, undefined)

  // The service's reply still resumes it.
  const reply = await inbound(app, flow, { From: CONTACT, To: SERVICE_NUMBER, MessagingServiceSid: SERVICE, Body: '5' })
  assert.equal(reply.headers['x-studio-emulator-outcome'], 'resumed')
  assert.equal((await execution(app, flow, sid)).status, 'ended')
})

test('an inbound message through a Messaging Service starts an execution on the number that received it, with Twilio\'s fields', async (t) => {
  const app = await buildTestApp(t)
  const flow = await publish(app, survey(), 'Survey')
  const res = await inbound(app, flow, { From: CONTACT, To: SERVICE_NUMBER, MessagingServiceSid: SERVICE, Body: 'hello' })
  assert.equal(res.headers['x-studio-emulator-outcome'], 'started')
  const [e] = (await call(app, 'GET', `/v2/Flows/${flow}/Executions`)).body.executions
  assert.equal(e.contact_channel_address, CONTACT)
  assert.deepEqual(await stepsOf(app, flow, e.sid), [['Trigger', 'incomingMessage', 'Survey', 'trigger']])

  const context = await contextOf(app, flow, e.sid)
  assert.equal(context.flow.channel.address, SERVICE_NUMBER)
  const message = context.trigger.message
  assert.equal(e.initiated_by, message.MessageSid)
  assert.deepEqual({ ...message, MessageSid: 'SM…', SmsSid: 'SM…', SmsMessageSid: 'SM…' }, {
    MessageSid: 'SM…',
    SmsSid: 'SM…',
    SmsMessageSid: 'SM…',
    AccountSid: ACCOUNT_A.sid,
    MessagingServiceSid: SERVICE,
    From: CONTACT,
    To: SERVICE_NUMBER,
    Body: 'hello',
    NumMedia: '0',
    NumSegments: '1',
    SmsStatus: 'received',
    ApiVersion: '2010-04-01',
    FromCity: '',
    FromState: '',
    FromZip: '',
    FromCountry: '',
    ToCity: '',
    ToState: '',
    ToZip: '',
    ToCountry: ''
  })
  assert.match(message.MessageSid, /^SM[0-9a-f]{32}$/)
  assert.equal(message.SmsSid, message.MessageSid)
  assert.equal(message.SmsMessageSid, message.MessageSid)
  // The question goes out from the number that received the message; the reply on that number resumes it.
  assert.deepEqual((await outbox(app, `execution=${e.sid as string}`)).map(m => [m.to, m.from]), [[CONTACT, SERVICE_NUMBER]])
  const reply = await inbound(app, flow, { From: CONTACT, To: SERVICE_NUMBER, MessagingServiceSid: SERVICE, Body: '4' })
  assert.equal(reply.headers['x-studio-emulator-outcome'], 'resumed')
  assert.equal((await execution(app, flow, e.sid)).status, 'ended')
})

test('the fields the caller sends are kept; only those left out get Twilio\'s defaults', async (t) => {
  const app = await buildTestApp(t)
  const flow = await publish(app, survey(), 'Survey')
  const given = {
    From: CONTACT,
    To: SERVICE_NUMBER,
    Body: 'picture',
    MessageSid: 'MM0123456789abcdef0123456789abcdef',
    NumMedia: '1',
    MediaUrl0: 'https://example.com/cat.jpg',
    MediaContentType0: 'image/jpeg',
    NumSegments: '2',
    SmsStatus: 'receiving',
    ApiVersion: '2008-08-01',
    FromCity: 'NASHUA',
    FromCountry: 'US'
  }
  const res = await inbound(app, flow, given)
  assert.equal(res.headers['x-studio-emulator-outcome'], 'started')
  const [e] = (await call(app, 'GET', `/v2/Flows/${flow}/Executions`)).body.executions
  const message = (await contextOf(app, flow, e.sid)).trigger.message
  for (const [name, value] of Object.entries(given)) assert.equal(message[name], value, name)
  assert.equal(message.SmsSid, given.MessageSid)
  assert.equal(message.SmsMessageSid, given.MessageSid)
  assert.equal(message.AccountSid, ACCOUNT_A.sid)
  assert.equal(message.FromState, '')
  assert.equal(message.ToCountry, '')
  assert.equal(message.MessagingServiceSid, undefined, 'only sent for a Messaging Service')
  assert.equal(e.initiated_by, given.MessageSid)

  // A WhatsApp message has no geographic fields; the constant ones are there.
  const wa = await inbound(app, flow, { From: 'whatsapp:+15551230002', To: 'whatsapp:+14155238886', Body: 'hola' })
  assert.equal(wa.headers['x-studio-emulator-outcome'], 'started')
  const waExecution = (await call(app, 'GET', `/v2/Flows/${flow}/Executions`)).body.executions.find((x: any) => x.contact_channel_address === 'whatsapp:+15551230002')
  const waMessage = (await contextOf(app, flow, waExecution.sid)).trigger.message
  assert.equal(waMessage.NumMedia, '0')
  assert.equal(waMessage.SmsStatus, 'received')
  assert.equal(waMessage.ApiVersion, '2010-04-01')
  assert.equal(waMessage.FromCity, undefined)
  assert.equal(waMessage.ToCountry, undefined)

  // Only SmsSid given: it is the MessageSid too.
  await inbound(app, flow, { From: '+15551230003', To: SERVICE_NUMBER, SmsSid: 'SMabcdefabcdefabcdefabcdefabcdefab' })
  const third = (await call(app, 'GET', `/v2/Flows/${flow}/Executions`)).body.executions.find((x: any) => x.contact_channel_address === '+15551230003')
  const thirdMessage = (await contextOf(app, flow, third.sid)).trigger.message
  assert.equal(thirdMessage.MessageSid, 'SMabcdefabcdefabcdefabcdefabcdefab')
  assert.equal(thirdMessage.SmsMessageSid, 'SMabcdefabcdefabcdefabcdefabcdefab')
  assert.equal(thirdMessage.Body, '')
})
