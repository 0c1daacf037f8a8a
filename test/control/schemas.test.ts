// The control API's JSON schemas: unknown body fields and query parameters, and wrong types, are a Twilio-style
// 400 (code 20001) naming the field, and a refused request changes nothing. Valid input behaves as before.
import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import type { FastifyInstance, InjectOptions } from 'fastify'
import { assertTwilioError, buildTestApp, createExecution } from '../support/helper.js'
import { flowOf, publish, widget } from '../support/engine-helper.js'

const E = '/__emulator'

async function admin (app: FastifyInstance, method: InjectOptions['method'], url: string, body?: unknown) {
  const res = await app.inject({
    method,
    url,
    ...(body !== undefined && { headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) })
  })
  return { status: res.statusCode, headers: res.headers, body: res.body === '' ? undefined : res.json() }
}

/** Everything the control API can change, read back through it. */
async function state (app: FastifyInstance) {
  const [snapshot, faults, choices, outbox, events] = await Promise.all(
    ['snapshot', 'faults', 'widget-events', 'outbox', 'events'].map(async p => (await admin(app, 'GET', `${E}/${p}`)).body))
  const clock = (await admin(app, 'GET', `${E}/clock`)).body
  // A frozen clock's offset from real time grows as real time passes; its `now` is what must not move.
  return { snapshot, faults, choices, outbox, events, clock: { now: clock.now, frozen: clock.frozen } }
}

/** A published flow with gather widgets `gather_1` and `g`, so that choices for them are accepted. */
async function gatherFlow (app: FastifyInstance): Promise<string> {
  const gather = (name: string, next?: string) => widget(name, 'gather-input-on-call', { say: 'Press 1' }, [{ event: 'keypress', ...(next !== undefined && { next }) }, { event: 'speech' }, { event: 'timeout' }])
  return await publish(app, flowOf('gather_1', [gather('gather_1', 'g'), gather('g')]))
}

/** A frozen clock, one execution, one fault rule and one widget choice: things a refused request must leave. */
async function seeded (t: TestContext): Promise<FastifyInstance> {
  const app = await buildTestApp(t)
  await gatherFlow(app)
  assert.equal((await admin(app, 'POST', `${E}/clock`, { freeze: true, set: '2030-01-01T00:00:00Z' })).status, 200)
  assert.equal((await createExecution(app)).status, 200)
  assert.equal((await admin(app, 'GET', `${E}/idle?timeout_ms=20000`)).status, 200)
  assert.equal((await admin(app, 'POST', `${E}/faults`, { path: '/v2/**', status: 503, times: 5 })).status, 201)
  assert.equal((await admin(app, 'POST', `${E}/widget-events`, { widget: 'gather_1', event: 'keypress' })).status, 201)
  return app
}

/** Sends a request that must be refused with 400 20001 naming `field`, and checks that nothing changed. */
async function refused (app: FastifyInstance, method: InjectOptions['method'], url: string, body: unknown, field: string, prefix = /^Invalid parameter /) {
  const before = await state(app)
  const res = await admin(app, method, url, body)
  const label = `${method} ${url} ${JSON.stringify(body)}`
  assertTwilioError(res, 400, 20001)
  const message = res.body.message as string
  assert.match(message, prefix, label)
  assert.ok(new RegExp(`\\b${field}\\b`).test(message), `${label}: "${message}" does not name ${field}`)
  assert.deepEqual(await state(app), before, `${label} changed something`)
  return message
}

test('POST /clock with a misspelt field is a 400 naming it, and the clock does not move', async (t) => {
  const app = await buildTestApp(t)
  const before = (await admin(app, 'POST', `${E}/clock`, { freeze: true })).body
  const message = await refused(app, 'POST', `${E}/clock`, { advance: 5 }, 'advance')
  assert.equal(message, 'Invalid parameter advance: is not a known field (known: advance_ms, set, freeze, reset)')
  const after = (await admin(app, 'GET', `${E}/clock`)).body
  assert.deepEqual([after.now, after.frozen], [before.now, true])
  // The correct spelling still moves it.
  const moved = (await admin(app, 'POST', `${E}/clock`, { advance_ms: 5 })).body
  assert.equal(Date.parse(moved.now) - Date.parse(before.now), 5)
})

test('POST /clock: wrong types are refused (no coercion) and nothing moves, not even the valid fields beside them', async (t) => {
  const app = await seeded(t)
  for (const [body, field] of [
    [{ advance_ms: '5' }, 'advance_ms'], [{ advance_ms: true }, 'advance_ms'], [{ advance_ms: null }, 'advance_ms'],
    [{ set: 5 }, 'set'], [{ freeze: 'true' }, 'freeze'], [{ freeze: 1 }, 'freeze'], [{ reset: 'yes' }, 'reset'],
    [{ reset: true, advance_ms: 1000, extra: 1 }, 'extra'], [{ freeze: false, set: 'soon' }, 'set'], [{ reset: true, advance_ms: '1' }, 'advance_ms'],
    [{ set: '2031-01-01T00:00:00Z', advance_ms: 1e300 }, 'advance_ms'], [{ reset: true, freeze: false, advance_ms: -1e20 }, 'advance_ms'],
    [[], 'body'], ['text', 'body'], [5, 'body']
  ] as const) {
    await refused(app, 'POST', `${E}/clock`, body, field)
  }
})

test('POST /widget-events: unknown fields and wrong types are refused, and no choice is added', async (t) => {
  const app = await seeded(t)
  const W = { widget: 'w', event: 'e' }
  for (const [body, field] of [
    [{ ...W, time: 1 }, 'time'], [{ ...W, publish: 'Digits=1' }, 'publish'], [{ ...W, publish: [1] }, 'publish'], [{ ...W, publish: null }, 'publish'],
    [{ ...W, times: '1' }, 'times'], [{ ...W, times: 1.5 }, 'times'], [{ ...W, times: 0 }, 'times'], [{ ...W, flow_sid: 7 }, 'flow_sid'],
    [{ ...W, flow_sid: 'FWnope' }, 'flow_sid'], [{ widget: 5, event: 'e' }, 'widget'], [{ widget: 'w', event: ['e'] }, 'event'],
    [{ event: 'e' }, 'widget'], [{ widget: 'w', event: '' }, 'event'], [null, 'body'], [['w', 'e'], 'body']
  ] as const) {
    // An absent or empty widget or event reads as missing, as on Twilio's routes.
    await refused(app, 'POST', `${E}/widget-events`, body, field, /^(Invalid parameter|Missing required parameter) /)
  }
})

test('POST /faults: unknown fields and wrong types are refused as an invalid fault rule naming the field', async (t) => {
  const app = await seeded(t)
  const P = { path: '/v1/**', status: 500 }
  for (const [body, field] of [
    [{ ...P, colour: 'red' }, 'colour'], [{ ...P, status: '500' }, 'status'], [{ ...P, status: 500.5 }, 'status'], [{ ...P, code: '20500' }, 'code'],
    [{ ...P, message: 5 }, 'message'], [{ ...P, method: 5 }, 'method'], [{ ...P, account_sid: 5 }, 'account_sid'], [{ ...P, latency_ms: '10' }, 'latency_ms'],
    [{ ...P, latency_ms: -1 }, 'latency_ms'], [{ ...P, latency_ms: 600_001 }, 'latency_ms'], [{ ...P, drop: 'yes' }, 'drop'], [{ ...P, times: 0 }, 'times'],
    [{ ...P, times: '2' }, 'times'], [{ ...P, probability: 2 }, 'probability'], [{ ...P, probability: '0.5' }, 'probability'], [{ path: 5, status: 500 }, 'path'],
    [{ status: 500 }, 'path'], [{ path: 'no-slash', status: 500 }, 'path'], [{ path: '/v1/**', status: 200 }, 'status'], [[], 'body'], ['x', 'body']
  ] as const) {
    await refused(app, 'POST', `${E}/faults`, body, field, /^Invalid fault rule: /)
  }
  const message = await refused(app, 'POST', `${E}/faults`, { ...P, colour: 'red' }, 'colour', /^Invalid fault rule: /)
  assert.match(message, /^Invalid fault rule: colour is not a known field \(known: method, path, account_sid, status, .*probability\)$/)
})

test('POST /faults and /widget-events accept what they accepted before (null meaning the default for a fault rule)', async (t) => {
  const app = await buildTestApp(t)
  const rule = await admin(app, 'POST', `${E}/faults`, {
    method: 'post', path: '/v1/**', account_sid: null, status: 503, code: null, message: null, latency_ms: null, drop: null, times: null, probability: null
  })
  assert.equal(rule.status, 201, JSON.stringify(rule.body))
  assert.equal(rule.body.method, 'POST')
  assert.equal(rule.body.code, 20503)
  assert.equal(rule.body.latency_ms, 0)
  assert.equal(rule.body.probability, 1)
  assert.equal((await admin(app, 'POST', `${E}/faults`, { path: '/v2/**', latency_ms: 1.5 })).status, 201)
  const flowSid = await gatherFlow(app)
  const choice = await admin(app, 'POST', `${E}/widget-events`, { widget: 'g', event: 'keypress', publish: { Digits: '1' }, flow_sid: flowSid, times: 2 })
  assert.equal(choice.status, 201, JSON.stringify(choice.body))
})

test('routes that take no body refuse any field in one, and do nothing', async (t) => {
  const app = await seeded(t)
  const { faults } = (await admin(app, 'GET', `${E}/faults`)).body
  for (const [method, path, field] of [
    ['POST', 'reset', 'account'], ['POST', 'events/retry', 'all'], ['DELETE', 'requests', 'older_than'], ['DELETE', 'faults', 'id'],
    ['DELETE', `faults/${faults[0].id as string}`, 'id'], ['DELETE', 'outbox', 'account'], ['DELETE', 'widget-events', 'widget']
  ] as const) {
    const message = await refused(app, method, `${E}/${path}`, { [field]: 'x' }, field)
    assert.match(message, /\(this request takes none\)$/)
    await refused(app, method, `${E}/${path}`, 'text', 'body')
  }
  // An empty object, or no body at all, is still fine.
  assert.equal((await admin(app, 'DELETE', `${E}/widget-events`, {})).status, 204)
  assert.equal((await admin(app, 'DELETE', `${E}/widget-events`)).status, 204)
  assert.equal((await admin(app, 'POST', `${E}/events/retry`, {})).status, 200)
})

test('unknown query parameters are refused on every control route, naming the parameter; the known ones still work', async (t) => {
  const app = await seeded(t)
  const routes: Array<[InjectOptions['method'], string, unknown?]> = [
    ['POST', 'reset'], ['GET', 'snapshot'], ['GET', 'requests'], ['DELETE', 'requests'], ['GET', 'faults'],
    ['POST', 'faults', { path: '/v1/**', status: 500 }], ['DELETE', 'faults'], ['DELETE', 'faults/FR00000000000000000000000000000000'],
    ['GET', 'events'], ['POST', 'events/retry'], ['GET', 'outbox'], ['DELETE', 'outbox'], ['GET', 'clock'], ['POST', 'clock', { advance_ms: 1 }],
    ['GET', 'idle'], ['GET', 'widget-events'], ['POST', 'widget-events', { widget: 'w', event: 'e' }], ['DELETE', 'widget-events']
  ]
  for (const [method, path, body] of routes) {
    const message = await refused(app, method, `${E}/${path}?limt=5`, body, 'limt')
    assert.match(message, /^Invalid parameter limt: is not a known query parameter/)
  }
  // PUT /snapshot too (its body is checked by the snapshot importer).
  const snapshot = (await admin(app, 'GET', `${E}/snapshot`)).body
  await refused(app, 'PUT', `${E}/snapshot?force=1`, snapshot, 'force')
  assert.equal((await admin(app, 'PUT', `${E}/snapshot`, snapshot)).status, 200)
  for (const url of ['requests?method=POST&path=/v1/**&status=4xx&limit=5', 'events?pending=true&limit=5', 'outbox?flow=FW1&execution=FN1&to=%2B1&kind=sms&account=AC1&limit=2', 'idle?timeout_ms=1000']) {
    assert.equal((await admin(app, 'GET', `${E}/${url}`)).status, 200, url)
  }
})

test('limit stays a positive integer (capped), refused otherwise; repeated query parameters keep their first value', async (t) => {
  const app = await seeded(t)
  for (const url of ['events?limit=0', 'events?limit=1.5', 'events?limit=abc', 'outbox?limit=-1', 'requests?limit=x']) {
    await refused(app, 'GET', `${E}/${url}`, undefined, 'limit')
  }
  assert.equal((await admin(app, 'GET', `${E}/outbox?limit=99999999999`)).status, 200)
  assert.equal((await admin(app, 'GET', `${E}/requests?method=GET&method=POST`)).status, 200)
  assert.equal((await admin(app, 'GET', `${E}/events?limit=1&limit=x`)).status, 200)
})

test('an invalid snapshot and a missing admin token still answer in Twilio\'s error shape', async (t) => {
  const app = await buildTestApp(t)
  const bad = await admin(app, 'PUT', `${E}/snapshot`, { format: 'other' })
  assertTwilioError(bad, 400, 20001, /^Invalid snapshot: /)
  const guarded = await buildTestApp(t, { raw: { adminToken: 's3cret' } })
  const denied = await admin(guarded, 'POST', `${E}/clock`, { advance: 5 })
  assertTwilioError(denied, 401, 20003, 'The control API needs Authorization: Bearer <STUDIO_ADMIN_TOKEN>')
  const res = await guarded.inject({ method: 'POST', url: `${E}/clock`, headers: { authorization: 'Bearer s3cret' }, payload: { advance: 5 } })
  assertTwilioError({ status: res.statusCode, headers: res.headers, body: res.json() }, 400, 20001, /^Invalid parameter advance:/)
})
