import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { ACCOUNT_A, ACCOUNT_B, FLOW, assertTwilioError, authHeader, buildTestApp, call, createExecution } from '../support/helper.js'

const EXECUTIONS = `/v1/Flows/${FLOW}/Executions`

async function addFault (app: FastifyInstance, rule: Record<string, unknown>) {
  const res = await app.inject({ method: 'POST', url: '/__emulator/faults', payload: rule })
  return { status: res.statusCode, body: res.json() }
}

test('a status fault answers the given Twilio error for its next N matches, then removes itself', async (t) => {
  const app = await buildTestApp(t)
  const added = await addFault(app, { method: 'POST', path: '/v1/Flows/*/Executions', status: 503, code: 20503, message: 'Service unavailable', times: 2 })
  assert.equal(added.status, 201)
  assert.match(added.body.id, /^FR[0-9a-f]{32}$/)
  assert.equal(added.body.remaining, 2)
  for (let i = 0; i < 2; i++) assertTwilioError(await createExecution(app), 503, 20503, 'Service unavailable')
  assert.equal((await call(app, 'GET', EXECUTIONS)).body.executions.length, 0, 'a faulted request writes nothing')
  assert.equal((await createExecution(app)).status, 200)
  assert.deepEqual((await app.inject({ method: 'GET', url: '/__emulator/faults' })).json().faults, [])
})

test('a fault matches method, path and account; other requests pass', async (t) => {
  const app = await buildTestApp(t)
  await addFault(app, { method: 'GET', path: '/v1/**', account_sid: ACCOUNT_B.sid, status: 500 })
  assert.equal((await call(app, 'GET', EXECUTIONS, undefined, ACCOUNT_A)).status, 200)
  assert.equal((await createExecution(app, {}, { who: ACCOUNT_B })).status, 200)
  const faulted = await call(app, 'GET', EXECUTIONS, undefined, ACCOUNT_B)
  assertTwilioError(faulted, 500, 20500, 'Fault injected by Studio Emulator')
  const rules = (await app.inject({ method: 'GET', url: '/__emulator/faults' })).json().faults
  assert.equal(rules[0].matched, 1)
  assert.equal((await app.inject({ method: 'DELETE', url: `/__emulator/faults/${rules[0].id}` })).statusCode, 204)
  assert.equal((await call(app, 'GET', EXECUTIONS, undefined, ACCOUNT_B)).status, 200)
  assert.equal((await app.inject({ method: 'DELETE', url: `/__emulator/faults/${rules[0].id}` })).statusCode, 404)
})

test('probability 0 never fires and probability 1 always does', async (t) => {
  const app = await buildTestApp(t)
  await addFault(app, { path: EXECUTIONS, status: 429, code: 20429, message: 'Too Many Requests', probability: 0 })
  for (let i = 0; i < 20; i++) assert.equal((await call(app, 'GET', EXECUTIONS)).status, 200)
  await app.inject({ method: 'DELETE', url: '/__emulator/faults' })
  await addFault(app, { path: EXECUTIONS, status: 429, code: 20429, message: 'Too Many Requests', probability: 1 })
  for (let i = 0; i < 20; i++) assertTwilioError(await call(app, 'GET', EXECUTIONS), 429, 20429)
})

test('a probability between uses the random source', async (t) => {
  const draws = [0.1, 0.9, 0.2, 0.8]
  const app = await buildTestApp(t, { random: () => draws.shift() ?? 0 })
  await addFault(app, { path: EXECUTIONS, status: 500, probability: 0.5 })
  const statuses = []
  for (let i = 0; i < 4; i++) statuses.push((await call(app, 'GET', EXECUTIONS)).status)
  assert.deepEqual(statuses, [500, 200, 500, 200])
})

test('a latency fault delays the answer; latency with a status delays the error', async (t) => {
  const app = await buildTestApp(t)
  await addFault(app, { path: EXECUTIONS, method: 'GET', latency_ms: 300, times: 1 })
  let start = performance.now()
  assert.equal((await call(app, 'GET', EXECUTIONS)).status, 200)
  assert.ok(performance.now() - start >= 290, 'delayed')
  await addFault(app, { path: EXECUTIONS, method: 'GET', latency_ms: 200, status: 504, times: 1 })
  start = performance.now()
  assert.equal((await call(app, 'GET', EXECUTIONS)).status, 504)
  assert.ok(performance.now() - start >= 190)
})

test('a drop fault closes the connection without an answer', async (t) => {
  const app = await buildTestApp(t)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as { port: number }
  await addFault(app, { path: EXECUTIONS, drop: true, times: 1 })
  await assert.rejects(fetch(`http://127.0.0.1:${port}${EXECUTIONS}`, { headers: { authorization: authHeader() } }),
    (err: Error) => err instanceof TypeError && /fetch failed/.test(err.message))
  const ok = await fetch(`http://127.0.0.1:${port}${EXECUTIONS}`, { headers: { authorization: authHeader() } })
  assert.equal(ok.status, 200)
  assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200)
})

test('bad fault rules are refused with 400', async (t) => {
  const app = await buildTestApp(t)
  for (const rule of [{}, { path: 'no-slash', status: 500 }, { path: '/v1/**' }, { path: '/v1/**', status: 200 }, { path: '/v1/**', status: 500, times: 0 },
    { path: '/v1/**', status: 500, probability: 2 }, { path: '/v1/**', latency_ms: -1 }, { path: '/v1/**', drop: 'yes' }, { path: '/v1/**', status: 500, colour: 'red' }]) {
    const res = await addFault(app, rule)
    assert.equal(res.status, 400, JSON.stringify(rule))
    assert.match(res.body.message, /Invalid fault rule/)
  }
  const notJson = await app.inject({ method: 'POST', url: '/__emulator/faults', headers: { 'content-type': 'application/json' }, payload: '{x' })
  assert.equal(notJson.statusCode, 400)
  assert.equal(notJson.json().status, 400)
})
