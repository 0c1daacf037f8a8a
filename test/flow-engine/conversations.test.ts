// Conversations: the onMessageAdded webhook Twilio posts for a Studio-attached conversation starts an
// incomingConversationMessage execution (trigger.conversation.*; the Author is the contact), the next message in the
// same conversation resumes its send-and-wait (widgets.ask.inbound.*), and what the flow sends is added to the
// conversation (an IM… message in the outbox with the ConversationSid). Fixture: test/fixtures/conversations-survey.json.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import twilio from 'twilio'
import { ACCOUNT_A, assertTwilioError, buildTestApp, call } from '../support/helper.js'
import { contextOf, execution, moveClock, outbox, publish, stepsOf } from '../support/engine-helper.js'
import { exportFixture } from '../support/flows.js'
import { postForm, webhook } from '../support/voice.js'

const CONVERSATION = 'CH0123456789abcdef0123456789abcdef'
const OTHER_CONVERSATION = 'CHfedcba9876543210fedcba9876543210'
const AUTHOR = '+15552220001'

/** Twilio's onMessageAdded webhook for a message by `author` in `conversation`. */
const messageAdded = (body: string, author = AUTHOR, conversation = CONVERSATION, extra: Record<string, string> = {}) => ({
  EventType: 'onMessageAdded',
  AccountSid: ACCOUNT_A.sid,
  ChatServiceSid: 'IS0123456789abcdef0123456789abcdef',
  ConversationSid: conversation,
  MessageSid: 'IM' + Math.random().toString(16).slice(2).padEnd(32, '0').slice(0, 32),
  Index: '0',
  Author: author,
  Body: body,
  ParticipantSid: 'MB0123456789abcdef0123456789abcdef',
  Source: 'SMS',
  Attributes: '{}',
  DateCreated: '2026-12-03T09:00:00.000Z',
  ...extra
})

test('a Conversations survey: the first message starts the execution, the next one in the conversation answers the question', async (t) => {
  const app = await buildTestApp(t)
  const flow = await publish(app, exportFixture('conversations-survey'), 'Survey')

  const first = await postForm(app, webhook(flow), messageAdded('hello there'))
  assert.equal(first.status, 200)
  const sent = await outbox(app, `flow=${flow}`)
  assert.ok(sent.length > 0)
  for (const m of sent) assert.ok(!JSON.stringify(m.detail).includes('{{'), `the outbox record's properties are rendered: ${JSON.stringify(m.detail)}`)
  assert.equal(first.outcome, 'started')
  const [started] = (await call(app, 'GET', `/v2/Flows/${flow}/Executions`)).body.executions
  assert.equal(started.contact_channel_address, AUTHOR)
  const context = await contextOf(app, flow, started.sid)
  assert.equal(context.trigger.conversation.ConversationSid, CONVERSATION)
  assert.equal(context.trigger.conversation.Author, AUTHOR)
  assert.equal(context.trigger.conversation.Body, 'hello there')
  assert.equal(context.trigger.conversation.From, AUTHOR, 'Studio documents trigger.conversation.From')
  assert.equal(context.trigger.conversation.ChannelSid, CONVERSATION)
  assert.equal(context.flow.channel.address, CONVERSATION)
  assert.deepEqual((await stepsOf(app, flow, started.sid))[0], ['Trigger', 'incomingConversationMessage', 'ask', 'trigger'])

  // The question is added to the conversation.
  const [question] = await outbox(app, `execution=${started.sid}`)
  assert.match(question.sid, /^IM[0-9a-f]{32}$/)
  assert.equal(question.detail.conversation_sid, CONVERSATION)
  assert.equal(question.body, `Hi ${AUTHOR}, you wrote "hello there". How would you rate us, 1 to 5?`)

  // Someone else in another conversation starts their own execution; the author's reply resumes theirs.
  assert.equal((await postForm(app, webhook(flow), messageAdded('hi', '+15552220002', OTHER_CONVERSATION))).outcome, 'started')
  const reply = await postForm(app, webhook(flow), messageAdded('5', AUTHOR, CONVERSATION, { Index: '2' }))
  assert.equal(reply.outcome, 'resumed')
  assert.equal((await execution(app, flow, started.sid)).status, 'ended')
  const widgets = (await contextOf(app, flow, started.sid)).widgets
  assert.equal(widgets.ask.inbound.Body, '5')
  assert.equal(widgets.ask.inbound.Author, AUTHOR)
  assert.equal(widgets.ask.inbound.Index, '2')
  assert.equal(widgets.thanks.outbound.ConversationSid, CONVERSATION)
  assert.deepEqual((await outbox(app, `execution=${started.sid}`)).map(m => [m.to, m.from, m.body, m.detail.conversation_sid]), [
    [AUTHOR, CONVERSATION, question.body, CONVERSATION],
    [AUTHOR, CONVERSATION, 'Thanks! You rated us 5.', CONVERSATION]
  ])
  assert.equal((await call(app, 'GET', `/v2/Flows/${flow}/Executions`)).body.executions.length, 2)
})

test('the send-and-wait times out on the emulator clock as for SMS', async (t) => {
  const app = await buildTestApp(t)
  const flow = await publish(app, exportFixture('conversations-survey'), 'Survey')
  await postForm(app, webhook(flow), messageAdded('hello'))
  await moveClock(app, { advance_ms: 601_000 })
  const [e] = (await call(app, 'GET', `/v2/Flows/${flow}/Executions`)).body.executions
  assert.deepEqual((await stepsOf(app, flow, e.sid)).map(s => s[1]), ['incomingConversationMessage', 'timeout', 'sent'])
})

test('test users match the Author: a draft runs for them only', async (t) => {
  const app = await buildTestApp(t)
  const created = await call(app, 'POST', '/v2/Flows', { FriendlyName: 'Draft survey', Status: 'draft', Definition: JSON.stringify(exportFixture('conversations-survey')) })
  const flow = created.body.sid
  const stranger = await postForm(app, webhook(flow), messageAdded('hello', '+15559990000'))
  assert.equal(stranger.status, 404, 'no published revision')
  assert.equal((await call(app, 'POST', `/v2/Flows/${flow}/TestUsers`, { TestUsers: AUTHOR })).status, 200)
  assert.equal((await postForm(app, webhook(flow), messageAdded('hello'))).outcome, 'started')
})

test('other Conversations events are acknowledged and ignored; a message without ConversationSid or Author is refused', async (t) => {
  const app = await buildTestApp(t)
  const flow = await publish(app, exportFixture('conversations-survey'), 'Survey')
  const updated = await postForm(app, webhook(flow), { EventType: 'onConversationUpdated', ConversationSid: CONVERSATION, AccountSid: ACCOUNT_A.sid })
  assert.equal(updated.status, 200)
  assert.equal(updated.outcome, 'ignored')
  const asJson = (r: { status: number, body: string, contentType: string | undefined }) => ({ status: r.status, body: JSON.parse(r.body), headers: { 'content-type': r.contentType } })
  const noAuthor = messageAdded('x') as Record<string, string>
  delete noAuthor.Author
  assertTwilioError(asJson(await postForm(app, webhook(flow), noAuthor)), 400, 20001, 'Missing required parameter Author in the post body')
  assertTwilioError(asJson(await postForm(app, webhook(flow), messageAdded('x', AUTHOR, 'CH42'))), 400, 20001, /Invalid parameter ConversationSid/)
  assert.equal((await call(app, 'GET', `/v2/Flows/${flow}/Executions`)).body.executions.length, 0)
})

test('a signed onMessageAdded post (X-Twilio-Signature) is taken like an unsigned one', async (t) => {
  const app = await buildTestApp(t)
  const flow = await publish(app, exportFixture('conversations-survey'), 'Survey')
  const fields = messageAdded('signed hello')
  const signature = twilio.getExpectedTwilioSignature(ACCOUNT_A.authToken, `http://localhost${webhook(flow)}`, fields)
  const res = await app.inject({ method: 'POST', url: webhook(flow), headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature }, payload: new URLSearchParams(fields).toString() })
  assert.equal(res.statusCode, 200)
  assert.equal(res.headers['x-studio-emulator-outcome'], 'started')
  const [started] = (await call(app, 'GET', `/v2/Flows/${flow}/Executions`)).body.executions
  assert.equal((await contextOf(app, flow, started.sid)).trigger.conversation.Body, 'signed hello')
})
