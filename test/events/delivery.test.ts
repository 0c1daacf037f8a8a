// Event Streams' delivery rules, through HTTP: a 4xx other than 429 drops the event; a 5xx or 429 is retried for up to
// four hours of emulator time, then the event expires; a failing event never holds back newer ones; requests are
// signed per account as Twilio signs webhook sinks (validateRequestWithBody); an account without an auth token gets
// its events unsigned.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import twilio from 'twilio'
import { ACCOUNT_A, ACCOUNT_B, KEY_A, buildTestApp, call, createExecution, testConfig } from '../support/helper.js'
import { definitionWith } from '../support/flows.js'
import { moveClock, publish, start } from '../support/engine-helper.js'
import { outbox, sink, until } from '../support/event-sink.js'

const eventRetry = { initialMs: 20, maxMs: 100 }
const HOUR = 3600 * 1000
const STARTED = 'com.twilio.studio.flow.execution.started'
const STEP = 'com.twilio.studio.flow.step.ended'
const ENDED = 'com.twilio.studio.flow.execution.ended'

/** A flow whose executions end at once: execution.started, step.ended, execution.ended. */
const endsAtOnce = () => definitionWith([])

/** The warn lines the dispatcher logged (app.log.warn, mocked), as [fields, message]. */
const warnings = (mock: { mock: { calls: Array<{ arguments: unknown[] }> } }) => mock.mock.calls.map(c => c.arguments as [Record<string, any>, string])

test('a sink answering 400 for one event drops that event, logged with the status; the events around it are delivered', async (t) => {
  const s = await sink(t, events => events.some(e => e.type === STARTED && e.data.contact_channel_address === '+1400') ? 400 : 204)
  const app = await buildTestApp(t, { raw: { eventsUrl: s.url }, eventRetry })
  const warn = t.mock.method(app.log, 'warn')
  const flow = await publish(app, endsAtOnce())
  const before = await start(app, flow, { To: '+1100' })
  const refused = await start(app, flow, { To: '+1400' })
  const after = await start(app, flow, { To: '+1200' })
  await until('no event pending', async () => (await outbox(app)).pending === 0)

  // A batch the sink refused is sent again one event at a time, so the events of one execution may arrive out of order.
  const typesOf = (sid: string) => s.delivered().filter(e => e.data.execution_sid === sid).map(e => e.type as string).sort()
  for (const sid of [before, after]) assert.deepEqual(typesOf(sid), [ENDED, STARTED, STEP])
  assert.deepEqual(typesOf(refused), [ENDED, STEP], 'only the refused event is missing')

  const state = await outbox(app)
  assert.equal(state.total, 9)
  assert.equal(state.failed, 1)
  const dropped = state.events.find((e: any) => e.type === STARTED && e.execution_sid === refused)
  assert.equal(dropped.delivered_at, null)
  assert.match(dropped.last_error, /the sink answered 400: dropped/)
  const logged = warnings(warn).find(([fields, msg]) => /dropped/.test(msg) && fields.status === 400)
  assert.ok(logged !== undefined, 'the drop is logged with the status')
  assert.equal(logged[0].event, dropped.event.id)
})

test('a sink answering 500 or 429 gets the event retried; past four hours on the emulator clock it expires (logged); newer events are never held back', async (t) => {
  const bad: Record<string, number> = {}
  const s = await sink(t, events => {
    for (const e of events) if (bad[e.data.flow_sid] !== undefined) return bad[e.data.flow_sid] as number
    return 204
  })
  const app = await buildTestApp(t, { raw: { eventsUrl: s.url }, eventRetry })
  const warn = t.mock.method(app.log, 'warn')
  const flow500 = await publish(app, endsAtOnce(), 'answered 500')
  const flow429 = await publish(app, endsAtOnce(), 'answered 429')
  const good = await publish(app, endsAtOnce(), 'good')
  bad[flow500] = 500
  bad[flow429] = 429
  const failing = [await start(app, flow500), await start(app, flow429)]
  const failingEvents = async () => (await outbox(app)).events.filter((e: any) => failing.includes(e.execution_sid))
  await until('the failing events retried', async () => (await failingEvents()).every((e: any) => e.attempts >= 3))

  // Newer events go through while the failing ones are still being retried.
  const newer: string[] = []
  for (let i = 0; i < 3; i++) newer.push(await start(app, good, { To: `+1300${i}` }))
  await until('the newer events', () => newer.every(sid => s.delivered().filter(e => e.data.execution_sid === sid).length === 3))
  // The sink has them; their delivery is recorded when its answer arrives.
  await until('only the failing events pending', async () => (await outbox(app)).pending === 6)
  let state = await outbox(app)
  assert.equal(state.pending, 6)
  assert.equal(state.failed, 0)
  for (const e of await failingEvents()) {
    assert.equal(e.delivered_at, null)
    assert.match(e.last_error, e.event.data.flow_sid === flow500 ? /the sink answered 500$/ : /the sink answered 429$/)
  }
  assert.equal(s.delivered().filter(e => failing.includes(e.data.execution_sid)).length, 0)

  // A minute before the four hours they are still retried.
  const attempts = new Map((await failingEvents()).map((e: any) => [e.id, e.attempts]))
  await moveClock(app, { advance_ms: 4 * HOUR - 60_000 })
  await until('retries after the clock moved', async () => (await failingEvents()).every((e: any) => e.attempts > (attempts.get(e.id) as number) + 1))
  state = await outbox(app)
  assert.equal(state.pending, 6)
  assert.equal(state.failed, 0)

  // Past four hours the next failure gives each of them up.
  await moveClock(app, { advance_ms: 2 * 60_000 })
  await until('the failing events given up', async () => (await outbox(app)).pending === 0)
  state = await outbox(app)
  assert.equal(state.failed, 6)
  for (const e of await failingEvents()) {
    assert.equal(e.delivered_at, null)
    assert.match(e.last_error, /^the sink answered (500|429); given up 4 hours after the event was written$/)
  }
  const expired = warnings(warn).filter(([, msg]) => /expired/.test(msg)).flatMap(([fields]) => fields.events)
  assert.deepEqual(expired.sort(), (await failingEvents()).map((e: any) => e.event.id).sort())

  // The stream goes on.
  const later = await start(app, good, { To: '+1399' })
  await until('a later execution\'s events', () => s.delivered().filter(e => e.data.execution_sid === later).length === 3)
})

test('X-Twilio-Signature: each request holds one account\'s events and validateRequestWithBody accepts it with that account\'s auth token', async (t) => {
  const s = await sink(t)
  // A sink URL with a query string of its own: bodySHA256 is appended after it.
  const app = await buildTestApp(t, { raw: { eventsUrl: `${s.url}?sink=studio` }, eventRetry })
  const tokens = { [ACCOUNT_A.sid]: ACCOUNT_A.authToken, [ACCOUNT_B.sid]: ACCOUNT_B.authToken }
  const flowA = await publish(app, endsAtOnce())
  const flowB = (await call(app, 'POST', '/v2/Flows', { FriendlyName: 'b', Status: 'published', Definition: JSON.stringify(endsAtOnce()) }, ACCOUNT_B)).body.sid
  for (let i = 0; i < 2; i++) {
    assert.equal((await createExecution(app, { To: `+1500${i}` }, { version: 'v2', flow: flowA })).status, 201)
    assert.equal((await createExecution(app, { To: `+1600${i}` }, { version: 'v2', flow: flowB, who: ACCOUNT_B })).status, 201)
  }
  await until('12 events', () => s.delivered().length === 12)

  for (const r of s.requests) {
    const accounts = [...new Set(r.events.map(e => e.data.account_sid))]
    assert.equal(accounts.length, 1, 'one account per request')
    const token = tokens[accounts[0]] as string
    const other = accounts[0] === ACCOUNT_A.sid ? ACCOUNT_B.authToken : ACCOUNT_A.authToken
    const signature = String(r.headers['x-twilio-signature'])
    assert.match(r.url, /\/events\?sink=studio&bodySHA256=[0-9a-f]{64}$/)
    assert.equal(r.headers['content-type'], 'application/json')
    assert.ok(twilio.validateRequestWithBody(token, signature, r.url, r.body), 'valid with the account\'s token')
    assert.ok(!twilio.validateRequestWithBody(other, signature, r.url, r.body), 'not with the other account\'s')
    assert.ok(!twilio.validateRequestWithBody(token, signature, r.url, r.body.replace(/"\+1/g, '"+2')), 'not for another body')
  }
  assert.deepEqual(new Set(s.delivered().map(e => e.data.account_sid)), new Set([ACCOUNT_A.sid, ACCOUNT_B.sid]))
})

test('an account configured only through an API key (no auth token) gets its events unsigned', async (t) => {
  const s = await sink(t)
  const keyOnly = { sid: 'SK44444444444444444444444444444444', secret: 'secret-for-key-c', accountSid: 'AC44444444444444444444444444444444' }
  const config = testConfig({
    eventsUrl: s.url,
    apiKeys: [KEY_A, keyOnly].map(k => `${k.sid}:${k.secret}:${k.accountSid}`).join(',')
  })
  const app = await buildTestApp(t, { config, eventRetry })
  const created = await call(app, 'POST', '/v2/Flows', { FriendlyName: 'c', Status: 'published', Definition: JSON.stringify(endsAtOnce()) }, keyOnly)
  assert.equal(created.status, 201, JSON.stringify(created.body))
  assert.equal((await createExecution(app, {}, { version: 'v2', flow: created.body.sid, who: keyOnly })).status, 201)
  await until('3 events', () => s.delivered().length === 3)
  for (const r of s.requests) {
    assert.ok(r.events.every(e => e.data.account_sid === keyOnly.accountSid))
    assert.equal(r.headers['x-twilio-signature'], undefined)
    assert.match(r.url, /\?bodySHA256=[0-9a-f]{64}$/)
  }
})

test('GET /__emulator/events shows a dropped event as dropped and an expired one as expired', async (t) => {
  const bad: Record<string, number> = {}
  const s = await sink(t, events => {
    for (const e of events) if (bad[e.data.flow_sid] !== undefined) return bad[e.data.flow_sid] as number
    return 204
  })
  const app = await buildTestApp(t, { raw: { eventsUrl: s.url }, eventRetry })
  const refused = await publish(app, endsAtOnce(), 'refused')
  const down = await publish(app, endsAtOnce(), 'down')
  bad[refused] = 410
  bad[down] = 503
  await start(app, refused)
  await start(app, down)
  await until('the refused events dropped', async () => (await outbox(app)).failed === 3)
  await moveClock(app, { advance_ms: 4 * HOUR + 60_000 })
  await until('the other events expired', async () => (await outbox(app)).pending === 0)
  const state = await outbox(app)
  for (const e of state.events) {
    assert.equal(e.status, e.event.data.flow_sid === refused ? 'dropped' : 'expired')
    assert.equal(e.next_attempt_at, null)
  }
})

test('a sink URL with credentials: Basic auth on every request, signed over the URL as configured (validateRequestWithBody accepts it), the password never shown', async (t) => {
  // Twilio's webhook quickstart ("Authenticate your webhook sink"): user info in the destination URL means HTTP Basic
  // auth on every request. The password has characters that the URL percent-encodes.
  const user = 'sink-user'
  const password = 'p@ss:w0rd/secret'
  const encoded = encodeURIComponent(password)
  // The sink answers 503 until `up`, so that a failure is recorded and logged.
  let up = false
  const s = await sink(t, () => up ? 204 : 503)
  const configured = `http://${user}:${encoded}@127.0.0.1:${s.port}/events?sink=studio`
  const app = await buildTestApp(t, { raw: { eventsUrl: configured }, eventRetry })
  const logged = ['info', 'warn', 'error'].map(level => t.mock.method(app.log, level as 'info'))
  const flow = await publish(app, endsAtOnce())
  const sid = await start(app, flow)
  await until('a failure recorded', async () => (await outbox(app)).events.some((e: any) => e.last_error !== null))
  const failing = await outbox(app)
  up = true
  await until('3 events delivered', () => s.delivered().filter(e => e.data.execution_sid === sid).length === 3)
  await until('no event pending', async () => (await outbox(app)).pending === 0)

  assert.ok(s.requests.length >= 2)
  for (const r of s.requests) {
    assert.equal(r.headers.authorization, 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64'))
    // What the sink validates: its destination URL as configured at Twilio, with the request's query (bodySHA256).
    const path = r.url.slice(r.url.indexOf('/events'))
    assert.match(path, /^\/events\?sink=studio&bodySHA256=[0-9a-f]{64}$/)
    const signature = String(r.headers['x-twilio-signature'])
    assert.ok(twilio.validateRequestWithBody(ACCOUNT_A.authToken, signature, `http://${user}:${encoded}@127.0.0.1:${s.port}${path}`, r.body), 'valid over the URL with its credentials')
    assert.ok(!twilio.validateRequestWithBody(ACCOUNT_B.authToken, signature, `http://${user}:${encoded}@127.0.0.1:${s.port}${path}`, r.body))
  }

  const shown = JSON.stringify([failing.events, (await outbox(app)).events])
  const logs = JSON.stringify(logged.flatMap(m => m.mock.calls.map(c => c.arguments)))
  for (const secret of [password, encoded]) {
    assert.ok(!shown.includes(secret), 'no password in the events listing or last_error')
    assert.ok(!logs.includes(secret), 'no password in the log')
  }
  assert.ok(logs.includes('the sink answered 503'), 'the failure was logged')
})

// Needs src/routes/control.ts (and the inspector's src/routes/ui.ts) to show `redactUrl(config.eventsUrl)` from
// src/events/sink-url.ts instead of config.eventsUrl: until then the listing's `sink` field carries the password.
test('GET /__emulator/events shows the sink URL with its password replaced by ***', async (t) => {
  const s = await sink(t)
  const app = await buildTestApp(t, { raw: { eventsUrl: `http://sink-user:hunter2@127.0.0.1:${s.port}/events` }, eventRetry })
  const state = await outbox(app)
  assert.equal(state.sink, `http://sink-user:***@127.0.0.1:${s.port}/events`)
  assert.ok(!JSON.stringify(state).includes('hunter2'))
})
