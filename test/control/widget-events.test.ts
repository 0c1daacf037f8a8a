// POST /__emulator/widget-events: a choice that could never apply is a 400 naming what is allowed; message and HTTP
// widgets take a chosen event without sending or requesting, as telephony and Flex widgets do.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { assertTwilioError, buildTestApp, call } from '../support/helper.js'
import { contextOf, execution, flowOf, outbox, publish, start, stepsOf, widget } from '../support/engine-helper.js'
import { WIDGET_TYPES } from '../../src/studio/widget-types.js'
import { exportFixture } from '../support/flows.js'

const E = '/__emulator/widget-events'
/** A port nothing listens on: a request that is really made fails. */
const NOWHERE = 'http://127.0.0.1:9/nothing'

async function choose (app: FastifyInstance, body: Record<string, unknown>) {
  const res = await app.inject({ method: 'POST', url: E, payload: body })
  return { status: res.statusCode, headers: res.headers, body: res.json() }
}

const gatherFlow = () => flowOf('Gather', [
  widget('Gather', 'gather-input-on-call', { say: 'Press 1' }, [{ event: 'keypress' }, { event: 'speech' }, { event: 'timeout' }])
])

test('every widget type lists its events, and its default event is one of them', () => {
  for (const [type, t] of Object.entries(WIDGET_TYPES)) {
    if (t.events !== undefined && t.defaultEvent !== undefined) assert.ok(t.events.includes(t.defaultEvent.event), type)
    for (const e of t.choosable ?? []) assert.ok(t.events?.includes(e), `${type} ${e}`)
  }
  assert.deepEqual(WIDGET_TYPES['gather-input-on-call']?.events, ['keypress', 'speech', 'timeout'])
  assert.deepEqual(WIDGET_TYPES['capture-payments']?.events, ['success', 'maxFailedAttempts', 'providerError', 'payInterrupted', 'hangup', 'validationError'])
})

test('400: an event the widget type cannot take, a widget name no flow has, a widget not in the given flow', async (t) => {
  const app = await buildTestApp(t)
  const flow = await publish(app, gatherFlow())
  const other = await publish(app, flowOf('Greet', [widget('Greet', 'send-message', { body: 'hi' }, [{ event: 'sent' }, { event: 'failed' }])]), 'other')

  const typo = await choose(app, { widget: 'Gather', event: 'keypres' })
  assertTwilioError(typo, 400, 20001, /^Invalid parameter event: "keypres" is not an event "Gather" \(gather-input-on-call\).*allowed: keypress, speech, timeout$/)
  assertTwilioError(await choose(app, { widget: 'Gathr', event: 'keypress' }), 400, 20001, 'Invalid parameter widget: no flow has a widget named "Gathr"')
  assertTwilioError(await choose(app, { widget: 'Gather', event: 'keypress', flow_sid: other }), 400, 20001,
    `Invalid parameter widget: flow ${other} has no widget named "Gather" in its latest or published revisions`)
  assertTwilioError(await choose(app, { widget: 'Gather', event: 'keypress', flow_sid: 'FW00000000000000000000000000000000' }), 400, 20001, /^Invalid parameter widget: /)
  // Events that never come from a choice: the Trigger's, a reply or timeout of Send & Wait For Reply.
  assertTwilioError(await choose(app, { widget: 'Trigger', event: 'incomingRequest' }), 400, 20001, /its events never come from a choice$/)
  // An event another type has is still refused for this one.
  assertTwilioError(await choose(app, { widget: 'Greet', event: 'success' }), 400, 20001, /allowed: sent, failed$/)
  assert.deepEqual((await app.inject({ method: 'GET', url: E })).json().choices, [], 'nothing refused was added')

  // Accepted: the widget in any flow, or in its own flow.
  assert.equal((await choose(app, { widget: 'Gather', event: 'speech' })).status, 201)
  assert.equal((await choose(app, { widget: 'Gather', event: 'keypress', flow_sid: flow, times: 1 })).status, 201)
})

test('a widget name is looked up in the latest revision and the published ones, not in older drafts', async (t) => {
  const app = await buildTestApp(t)
  const flow = await publish(app, gatherFlow())
  // A new draft renames the widget: the published revision still has "Gather", the draft has "Ask".
  const draft = flowOf('Ask', [widget('Ask', 'say-play', { say: 'hi' }, [{ event: 'audioComplete' }])])
  const update = await call(app, 'POST', `/v2/Flows/${flow}`, { Status: 'draft', Definition: JSON.stringify(draft) })
  assert.equal(update.status, 200, JSON.stringify(update.body))
  assert.equal((await choose(app, { widget: 'Gather', event: 'keypress', flow_sid: flow })).status, 201, 'published revision')
  assert.equal((await choose(app, { widget: 'Ask', event: 'audioComplete', flow_sid: flow })).status, 201, 'latest revision')
  // A draft that is then replaced by another draft no longer counts.
  const again = flowOf('Tell', [widget('Tell', 'say-play', { say: 'hi' }, [{ event: 'audioComplete' }])])
  assert.equal((await call(app, 'POST', `/v2/Flows/${flow}`, { Status: 'draft', Definition: JSON.stringify(again) })).status, 200)
  assertTwilioError(await choose(app, { widget: 'Ask', event: 'audioComplete', flow_sid: flow }), 400, 20001, /^Invalid parameter widget: /)
})

test('a chosen keypress is taken by a gather, with what it publishes', async (t) => {
  const app = await buildTestApp(t)
  const flow = await publish(app, gatherFlow())
  assert.equal((await choose(app, { widget: 'Gather', event: 'keypress', publish: { Digits: '1' }, flow_sid: flow, times: 1 })).status, 201)
  const sid = await start(app, flow)
  assert.deepEqual((await stepsOf(app, flow, sid)).at(-1), ['Gather', 'keypress', 'Ended', 'gather-input-on-call'])
  assert.equal((await contextOf(app, flow, sid)).widgets.Gather.Digits, '1')
  const again = await start(app, flow)
  assert.deepEqual((await stepsOf(app, flow, again)).at(-1), ['Gather', 'timeout', 'Ended', 'gather-input-on-call'], 'used up: the default')
})

test('send-message: a chosen failed sends nothing and takes failed; a chosen sent sends as usual', async (t) => {
  const app = await buildTestApp(t)
  const flow = await publish(app, flowOf('Greet', [
    widget('Greet', 'send-message', { body: 'Hello' }, [{ event: 'sent' }, { event: 'failed', next: 'Sorry' }]),
    widget('Sorry', 'set-variables', { variables: [{ key: 'why', value: '{{widgets.Greet.error}}' }] }, [{ event: 'next' }])
  ]))
  assert.equal((await choose(app, { widget: 'Greet', event: 'failed', publish: { error: 'Carrier rejected' }, times: 1 })).status, 201)
  const failed = await start(app, flow, { To: '+15550001111' })
  assert.deepEqual((await stepsOf(app, flow, failed)).slice(1), [['Greet', 'failed', 'Sorry', 'send-message'], ['Sorry', 'next', 'Ended', 'set-variables']])
  const ctx = await contextOf(app, flow, failed)
  assert.deepEqual(ctx.widgets.Greet, { error: 'Carrier rejected' })
  assert.equal(ctx.flow.variables.why, 'Carrier rejected')
  assert.deepEqual(await outbox(app, `execution=${failed}`), [], 'nothing sent')

  assert.equal((await choose(app, { widget: 'Greet', event: 'sent', publish: { note: 'chosen' }, times: 1 })).status, 201)
  const sent = await start(app, flow, { To: '+15550001111' })
  assert.deepEqual((await stepsOf(app, flow, sent)).at(-1), ['Greet', 'sent', 'Ended', 'send-message'])
  const messages = await outbox(app, `execution=${sent}`)
  assert.equal(messages.length, 1)
  assert.equal(messages[0].body, 'Hello')
  const published = (await contextOf(app, flow, sent)).widgets.Greet
  assert.equal(published.note, 'chosen')
  assert.equal(published.outbound.Sid, messages[0].sid)
})

test('send-and-wait-for-reply: a chosen deliveryFailure sends nothing and does not wait; incomingMessage and timeout cannot be chosen', async (t) => {
  const app = await buildTestApp(t)
  const flow = await publish(app, flowOf('Ask', [
    widget('Ask', 'send-and-wait-for-reply', { body: 'Reply YES', timeout: '60' }, [{ event: 'incomingMessage' }, { event: 'timeout' }, { event: 'deliveryFailure' }])
  ]))
  for (const event of ['incomingMessage', 'timeout']) {
    assertTwilioError(await choose(app, { widget: 'Ask', event }), 400, 20001, /allowed: deliveryFailure$/)
  }
  assert.equal((await choose(app, { widget: 'Ask', event: 'deliveryFailure', publish: { error: 'undeliverable' }, flow_sid: flow })).status, 201)
  const sid = await start(app, flow, { To: '+15550002222' })
  assert.deepEqual((await stepsOf(app, flow, sid)).at(-1), ['Ask', 'deliveryFailure', 'Ended', 'send-and-wait-for-reply'])
  assert.deepEqual((await contextOf(app, flow, sid)).widgets.Ask, { error: 'undeliverable' })
  assert.deepEqual(await outbox(app, `execution=${sid}`), [])
  const ended = await execution(app, flow, sid)
  assert.equal(ended.status, 'ended')
})

test('make-http-request and run-function take a chosen success or failure without a request, publishing body and parsed', async (t) => {
  const app = await buildTestApp(t)
  const flow = await publish(app, flowOf('Http', [
    widget('Http', 'make-http-request', { method: 'GET', url: NOWHERE, content_type: 'application/json' }, [{ event: 'success', next: 'Fn' }, { event: 'failed' }]),
    widget('Fn', 'run-function', { url: NOWHERE }, [{ event: 'success' }, { event: 'fail', next: 'Fn2' }]),
    widget('Fn2', 'run-function-v2', { url: NOWHERE }, [{ event: 'success' }, { event: 'fail' }])
  ]))
  assertTwilioError(await choose(app, { widget: 'Fn', event: 'failed' }), 400, 20001, /allowed: success, fail$/)
  assert.equal((await choose(app, { widget: 'Http', event: 'success', publish: { status_code: 200, body: { id: 7, tags: ['a'] } }, times: 1 })).status, 201)
  assert.equal((await choose(app, { widget: 'Fn', event: 'fail', publish: { status_code: 500, body: '{"error":"boom"}' }, times: 1 })).status, 201)
  assert.equal((await choose(app, { widget: 'Fn2', event: 'success', publish: { body: 'plain text' }, times: 1 })).status, 201)
  const sid = await start(app, flow)
  assert.deepEqual((await stepsOf(app, flow, sid)).slice(1), [
    ['Http', 'success', 'Fn', 'make-http-request'], ['Fn', 'fail', 'Fn2', 'run-function'], ['Fn2', 'success', 'Ended', 'run-function-v2']
  ])
  const w = (await contextOf(app, flow, sid)).widgets
  assert.deepEqual(w.Http, { status_code: 200, body: '{"id":7,"tags":["a"]}', parsed: { id: 7, tags: ['a'] } })
  assert.deepEqual(w.Fn, { status_code: 500, body: '{"error":"boom"}', parsed: { error: 'boom' } })
  assert.deepEqual(w.Fn2, { body: 'plain text' })
  assert.deepEqual(await outbox(app, `execution=${sid}`), [], 'no request made')

  // Without a choice the request is made (and fails: nothing listens there).
  const real = await start(app, flow)
  assert.deepEqual((await stepsOf(app, flow, real))[1], ['Http', 'failed', 'Ended', 'make-http-request'])
})

test('a deliveryFailure chosen with after_ms arrives later on the emulator clock while send-and-wait waits, unless a reply comes first', async (t) => {
  const app = await buildTestApp(t)
  const flow = await publish(app, exportFixture('delivery-failure'))
  assertTwilioError(await choose(app, { widget: 'Ask', event: 'timeout', after_ms: 1 }), 400, 20001)
  assertTwilioError(await choose(app, { widget: 'Ask', event: 'deliveryFailure', after_ms: -1 }), 400, 20001, /after_ms/)
  assert.equal((await choose(app, { widget: 'Ask', event: 'deliveryFailure', after_ms: 60_000, publish: { ErrorCode: '30003' }, times: 1 })).status, 201)

  // The question is sent and waits; a minute later on the clock the delivery failure arrives.
  const failed = await start(app, flow, { To: '+15550201', From: '+15559999' })
  assert.deepEqual((await outbox(app, `execution=${failed}`)).map(m => m.body), ['Still there?'])
  assert.equal((await execution(app, flow, failed)).status, 'active')
  const moved = await app.inject({ method: 'POST', url: '/__emulator/clock', payload: { advance_ms: 59_000 } })
  assert.equal(moved.statusCode, 200)
  await app.inject({ method: 'GET', url: '/__emulator/idle' })
  assert.equal((await execution(app, flow, failed)).status, 'active', 'not before its time')
  await app.inject({ method: 'POST', url: '/__emulator/clock', payload: { advance_ms: 1_000 } })
  await app.inject({ method: 'GET', url: '/__emulator/idle' })
  assert.deepEqual((await stepsOf(app, flow, failed)).map(s => s.slice(0, 3)), [['Trigger', 'incomingRequest', 'Ask'], ['Ask', 'deliveryFailure', 'Sorry'], ['Sorry', 'sent', 'Ended']])
  assert.equal((await contextOf(app, flow, failed)).widgets.Ask.ErrorCode, '30003')

  // Without a choice the same flow waits for its timeout, and a reply before it resumes it.
  const replied = await start(app, flow, { To: '+15550202', From: '+15559999' })
  const res = await app.inject({
    method: 'POST',
    url: `/v1/Accounts/${(await call(app, 'GET', `/v2/Flows/${flow}`)).body.account_sid as string}/Flows/${flow}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'From=%2B15550202&To=%2B15559999&Body=yes'
  })
  assert.equal(res.headers['x-studio-emulator-outcome'], 'resumed')
  await app.inject({ method: 'GET', url: '/__emulator/idle' })
  assert.deepEqual((await stepsOf(app, flow, replied)).map(s => s.slice(0, 3)).at(-1), ['Thanks', 'sent', 'Ended'])
})
