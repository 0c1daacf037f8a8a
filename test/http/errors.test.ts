import assert from 'node:assert/strict'
import { test } from 'node:test'
import { FLOW, assertTwilioError, authHeader, buildTestApp, call, createExecution } from '../support/helper.js'

const EXECUTIONS = `/v1/Flows/${FLOW}/Executions`

function asRes (res: { statusCode: number, body: string, headers: Record<string, unknown> }) {
  return { status: res.statusCode, body: JSON.parse(res.body), headers: res.headers }
}

test('an unknown path is 404 20404 naming it, inside and outside /v1', async (t) => {
  const app = await buildTestApp(t)
  assertTwilioError(await call(app, 'GET', '/v1/Flows/x/y/z'), 404, 20404, 'The requested resource /v1/Flows/x/y/z was not found')
  assertTwilioError(asRes(await app.inject({ method: 'GET', url: '/favicon.ico' })), 404, 20404, 'The requested resource /favicon.ico was not found')
  assertTwilioError(await call(app, 'GET', '/v3/Flows'), 404, 20404)
})

test('a known path with a method it does not serve is 405 20004', async (t) => {
  const app = await buildTestApp(t)
  const created = await createExecution(app)
  const cases: Array<[string, string]> = [
    ['PUT', EXECUTIONS], ['DELETE', EXECUTIONS], ['PATCH', `${EXECUTIONS}/${created.body.sid}`],
    ['POST', `${EXECUTIONS}/${created.body.sid}/Context`], ['DELETE', `${EXECUTIONS}/${created.body.sid}/Steps`],
    ['POST', `${EXECUTIONS}/${created.body.sid}/Steps/FT00000000000000000000000000000000`]
  ]
  for (const [method, url] of cases) {
    assertTwilioError(await call(app, method as any, url), 405, 20004,
      `The requested resource ${url} does not support the attempted HTTP method ${method}`)
  }
})

test('a body over 1 MiB is 413 in Twilio\'s shape, and nothing is stored', async (t) => {
  const app = await buildTestApp(t)
  const res = await app.inject({
    method: 'POST',
    url: EXECUTIONS,
    headers: { authorization: authHeader(), 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'To=%2B1&From=%2B2&Parameters=' + encodeURIComponent(JSON.stringify({ big: 'x'.repeat(1024 * 1024) }))
  })
  assertTwilioError(asRes(res), 413, 20413, /Request Entity Too Large/)
  assert.equal((await call(app, 'GET', EXECUTIONS)).body.executions.length, 0)
})

test('a large but allowed Parameters object is kept whole', async (t) => {
  const app = await buildTestApp(t)
  const params = { items: Array.from({ length: 2000 }, (_, i) => ({ i, text: 'é中😀' })) }
  const created = await createExecution(app, { Parameters: JSON.stringify(params) })
  assert.equal(created.status, 200)
  const ctx = await call(app, 'GET', `${EXECUTIONS}/${created.body.sid}/Context`)
  assert.deepEqual(ctx.body.context.flow.data, params)
})

test('an unexpected failure is a 500 in Twilio\'s shape without internals', async (t) => {
  const app = await buildTestApp(t)
  await createExecution(app)
  // Break the data layer underneath the running app.
  ;(app as any).store.getExecution = () => { throw new Error('disk on fire at /secret/path') }
  const res = await call(app, 'GET', `${EXECUTIONS}/FN00000000000000000000000000000000`)
  assertTwilioError(res, 500, 20500)
  assert.doesNotMatch(res.raw.body, /secret|fire|at /)
})

test('every response carries a Twilio-Request-Id and JSON responses are application/json', async (t) => {
  const app = await buildTestApp(t)
  const created = await createExecution(app)
  const ids = new Set()
  for (const res of [created, await call(app, 'GET', EXECUTIONS), await call(app, 'DELETE', `${EXECUTIONS}/${created.body.sid}`), await call(app, 'GET', '/nope')]) {
    assert.match(String(res.headers['twilio-request-id']), /^RQ[0-9a-f]{32}$/)
    ids.add(res.headers['twilio-request-id'])
    if (res.status !== 204) assert.match(String(res.headers['content-type']), /^application\/json/)
  }
  assert.equal(ids.size, 4)
})
