// Twilio's response headers on every answer: CORS (and a preflight answered without credentials), the exact
// `application/json` type, Twilio-Request-Duration, Twilio-Concurrent-Requests and the other constant headers, and
// the `detail` sentence of a 401 body.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import Fastify from 'fastify'
import { frameworkErrorsFor } from '../../src/http/errors.js'
import { FLOW, assertTwilioError, buildTestApp, call, createExecution } from '../support/helper.js'

const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-credentials': 'true',
  'access-control-allow-headers': 'Accept, Authorization, Content-Type, If-Match, If-Modified-Since, If-None-Match, If-Unmodified-Since, Idempotency-Key',
  'access-control-allow-methods': 'GET, POST, DELETE, OPTIONS',
  'access-control-expose-headers': 'ETag'
}

const corsOf = (headers: Record<string, unknown>) => Object.fromEntries(Object.keys(CORS).map(k => [k, headers[k]]))

/** Twilio's own headers on an API answer: the per-request two in their form, the constant ones exactly. */
function assertTwilioHeaders (headers: Record<string, unknown>, what: string): void {
  assert.match(String(headers['twilio-request-id']), /^RQ[0-9a-f]{32}$/, what)
  assert.match(String(headers['twilio-request-duration']), /^\d+\.\d{3}$/, what)
  assert.match(String(headers['twilio-concurrent-requests']), /^[1-9]\d*$/, what)
  assert.deepEqual(
    ['x-api-domain', 'x-home-region', 'x-powered-by', 'x-shenanigans'].map(k => headers[k]),
    ['studio.twilio.com', 'us1', 'AT-5000', 'none'], what)
  assert.deepEqual(corsOf(headers), CORS, what)
}

test('every Twilio API answer carries Twilio\'s headers, JSON typed exactly application/json', async (t) => {
  const app = await buildTestApp(t)
  for (const res of [await call(app, 'GET', '/v2/Flows'), await call(app, 'GET', `/v1/Flows/${FLOW}/Executions/FN${'0'.repeat(32)}`)]) {
    assert.equal(res.headers['content-type'], 'application/json')
    assert.deepEqual(corsOf(res.headers), CORS)
    assert.match(String(res.headers['twilio-request-duration']), /^\d+\.\d{3}$/)
    assert.ok(Number(res.headers['twilio-concurrent-requests']) >= 1)
    assert.equal(res.headers['x-api-domain'], 'studio.twilio.com')
    assert.equal(res.headers['x-home-region'], 'us1')
    assert.equal(res.headers['x-powered-by'], 'AT-5000')
    assert.equal(res.headers['x-shenanigans'], 'none')
  }
  // Health answers are the emulator's own: no CORS (as the control API: see below), not Twilio's own headers.
  const health = await app.inject({ method: 'GET', url: '/healthz' })
  assert.deepEqual(corsOf(health.headers), corsOf({}))
  assert.equal(health.headers['content-type'], 'application/json')
  assert.equal(health.headers['x-api-domain'], undefined)
})

test('a CORS preflight is answered without credentials; a plain OPTIONS still needs them', async (t) => {
  const app = await buildTestApp(t)
  const preflight = await app.inject({
    method: 'OPTIONS',
    url: `/v2/Flows/${FLOW}/Executions`,
    headers: { origin: 'http://localhost:3000', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' }
  })
  assert.equal(preflight.statusCode, 200)
  assert.deepEqual(corsOf(preflight.headers), CORS)
  assert.equal(preflight.body, '')
  const plain = await app.inject({ method: 'OPTIONS', url: `/v2/Flows/${FLOW}/Executions` })
  assertTwilioError({ status: plain.statusCode, body: plain.json(), headers: plain.headers }, 401, 20003)
})

test('a 401 carries Twilio\'s detail sentence', async (t) => {
  const app = await buildTestApp(t)
  for (const authorization of [undefined, 'Basic ' + Buffer.from('ACnope:x').toString('base64'), 'Basic ' + Buffer.from(`AC${'1'.repeat(32)}:wrong`).toString('base64')]) {
    const res = await app.inject({ method: 'GET', url: '/v2/Flows', headers: authorization === undefined ? {} : { authorization } })
    assert.equal(res.statusCode, 401)
    assert.equal(res.headers['content-type'], 'application/json')
    const body = res.json()
    assert.equal(body.detail, 'Your AccountSid or AuthToken was incorrect.')
    assert.deepEqual(Object.keys(body), ['code', 'detail', 'message', 'more_info', 'status'], 'keys in Twilio\'s order')
    assert.deepEqual(corsOf(res.headers), CORS)
  }
})

test('Twilio-Concurrent-Requests counts the requests being answered: back to 1 after answers, errors and dropped connections', async (t) => {
  const app = await buildTestApp(t)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
  const auth = { authorization: 'Basic ' + Buffer.from(`AC${'1'.repeat(32)}:token-a-0123456789abcdef01234567`).toString('base64') }
  assert.equal((await app.inject({ method: 'POST', url: '/__emulator/faults', payload: { path: '/v2/Flows/FW*', drop: true, times: 3 } })).statusCode, 201)
  for (let i = 0; i < 3; i++) await fetch(`${base}/v2/Flows/FW${'9'.repeat(32)}`, { headers: auth }).catch(() => undefined)
  await fetch(`${base}/v2/Flows`)
  await fetch(`${base}/v1/Flows/nope`, { headers: auth })
  await new Promise(resolve => setTimeout(resolve, 50))
  const res = await fetch(`${base}/v2/Flows`, { headers: auth })
  assert.equal(res.status, 200)
  assert.equal(res.headers.get('twilio-concurrent-requests'), '1')
})

test('answers made before routing (a URL that does not percent-decode, a path segment too long) carry Twilio\'s headers too', async (t) => {
  const app = await buildTestApp(t)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
  // As a browser or curl sends them, over a real socket.
  for (const [path, status, code] of [
    ['/v2/Flows/%zz', 400, 20001],
    [`/v1/Flows/${FLOW}/Executions/%E0%A4%A`, 400, 20001],
    [`/v2/Flows/FW${'0'.repeat(200)}`, 404, 20404]
  ] as const) {
    const res = await fetch(base + path, { headers: { authorization: 'Basic ' + Buffer.from(`AC${'1'.repeat(32)}:token-a-0123456789abcdef01234567`).toString('base64') } })
    const headers = Object.fromEntries(res.headers)
    assertTwilioError({ status: res.status, body: await res.json(), headers }, status, code)
    assert.equal(headers['content-type'], 'application/json', path)
    assertTwilioHeaders(headers, path)
  }
  // Outside /v1 and /v2: a request id, not CORS or Twilio's API headers.
  const outside = await fetch(`${base}/__emulator/%zz`)
  assert.equal(outside.status, 400)
  assert.deepEqual(corsOf(Object.fromEntries(outside.headers)), corsOf({}))
  assert.equal(outside.headers.get('x-api-domain'), null)
  assert.equal(outside.headers.get('twilio-request-duration'), null)
})

test('an answer made before routing counts the API requests in flight that it is told of, and itself', async (t) => {
  const app = Fastify({ frameworkErrors: frameworkErrorsFor(() => 2) })
  t.after(async () => { await app.close() })
  app.get('/v2/Flows/:Sid', async () => ({}))
  const res = await app.inject({ method: 'GET', url: '/v2/Flows/%zz' })
  assert.equal(res.statusCode, 400)
  assert.equal(res.headers['twilio-concurrent-requests'], '3')
  assert.match(String(res.headers['twilio-request-duration']), /^\d+\.\d{3}$/)
})

test('a successful execution create, fetch, Context and Steps answer is typed exactly application/json, with Twilio\'s headers', async (t) => {
  const app = await buildTestApp(t)
  for (const version of ['v1', 'v2'] as const) {
    const created = await createExecution(app, { To: `+1555000${version === 'v1' ? 1 : 2}` }, { version })
    assert.equal(created.status, version === 'v1' ? 200 : 201)
    const execution = `/${version}/Flows/${FLOW}/Executions/${created.body.sid as string}`
    const answers = [['create', created], ...await Promise.all(['', '/Context', '/Steps'].map(async p => [p, await call(app, 'GET', execution + p)] as const))] as const
    for (const [what, res] of answers) {
      assert.equal(res.status < 300, true, `${version} ${what}`)
      assert.equal(res.headers['content-type'], 'application/json', `${version} ${what}`)
      assertTwilioHeaders(res.headers, `${version} ${what}`)
    }
  }
})

test('the control API has no CORS, and a change sent from another site\'s page is 403 20403; curl-like clients are not affected', async (t) => {
  const app = await buildTestApp(t)
  const created = await createExecution(app)
  assert.equal(created.status, 200)
  const evil = { origin: 'https://evil.example' }

  const preflight = await app.inject({ method: 'OPTIONS', url: '/__emulator/reset', headers: { ...evil, 'access-control-request-method': 'POST' } })
  assert.notEqual(preflight.statusCode, 200)
  assert.deepEqual(corsOf(preflight.headers), corsOf({}), 'no CORS on a preflight to the control API')
  const read = await app.inject({ method: 'GET', url: '/__emulator/snapshot', headers: evil })
  assert.deepEqual(corsOf(read.headers), corsOf({}), 'another site\'s page cannot read the answer')

  for (const headers of [evil, { 'sec-fetch-site': 'cross-site' }, { origin: 'null' }]) {
    const reset = await app.inject({ method: 'POST', url: '/__emulator/reset', headers })
    assertTwilioError({ status: reset.statusCode, body: reset.json(), headers: reset.headers }, 403, 20403, /not from another site/)
    const clock = await app.inject({ method: 'POST', url: '/__emulator/clock', headers, payload: { advance_ms: 1000 } })
    assert.equal(clock.statusCode, 403)
  }
  assert.equal((await call(app, 'GET', `/v1/Flows/${FLOW}/Executions/${created.body.sid as string}`)).status, 200, 'nothing was reset')

  // The emulator's own origin (its inspector page), and clients that send no Origin, change it as before.
  assert.equal((await app.inject({ method: 'POST', url: '/__emulator/clock', headers: { host: 'localhost:4010', origin: 'http://localhost:4010' }, payload: { advance_ms: 1000 } })).statusCode, 200)
  assert.equal((await app.inject({ method: 'POST', url: '/__emulator/reset' })).statusCode, 200)
  assert.equal((await call(app, 'GET', `/v1/Flows/${FLOW}/Executions/${created.body.sid as string}`)).status, 404)
})
