import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ACCOUNT_A, FLOW, KEY_A, buildTestApp, call, createExecution } from '../support/helper.js'

test('the journal records Twilio API requests newest first, with form fields and the secret redacted', async (t) => {
  const app = await buildTestApp(t)
  const created = await createExecution(app, { To: '+15551234567', Parameters: '{"name":"Zeke"}' })
  await call(app, 'GET', `/v1/Flows/${FLOW}/Executions?PageSize=5`, undefined, KEY_A)
  await call(app, 'GET', `/v1/Flows/${FLOW}/Executions/FN00000000000000000000000000000000`)
  await app.inject({ method: 'GET', url: '/healthz' })
  const res = await app.inject({ method: 'GET', url: '/__emulator/requests' })
  assert.equal(res.statusCode, 200)
  const { requests, size } = res.json()
  assert.equal(size, 1000)
  assert.equal(requests.length, 3, 'health checks and the control API are not journaled')
  const [notFound, list, create] = requests
  assert.equal(create.method, 'POST')
  assert.equal(create.path, `/v1/Flows/${FLOW}/Executions`)
  assert.deepEqual(create.form, { To: '+15551234567', From: '+15557650000', Parameters: '{"name":"Zeke"}' })
  assert.equal(create.status, 200)
  assert.equal(create.code, null)
  assert.equal(create.account_sid, ACCOUNT_A.sid)
  assert.equal(create.request_id, created.headers['twilio-request-id'])
  assert.equal(create.headers.authorization, `Basic ${ACCOUNT_A.sid}:[redacted]`)
  assert.ok(!JSON.stringify(requests).includes(ACCOUNT_A.authToken), 'no auth token anywhere')
  assert.ok(!JSON.stringify(requests).includes(KEY_A.secret), 'no key secret anywhere')
  assert.equal(typeof create.latency_ms, 'number')
  assert.match(create.time, /^\d{4}-\d{2}-\d{2}T/)
  assert.deepEqual(list.query, { PageSize: '5' })
  assert.equal(list.headers.authorization, `Basic ${KEY_A.sid}:[redacted]`)
  assert.equal(notFound.status, 404)
  assert.equal(notFound.code, 20404)
})

test('the journal filters by method, path pattern and status, and can be cleared', async (t) => {
  const app = await buildTestApp(t)
  await createExecution(app)
  await createExecution(app, { To: '' })
  await call(app, 'GET', `/v1/Flows/${FLOW}/Executions`)
  const get = async (q: string) => (await app.inject({ method: 'GET', url: `/__emulator/requests?${q}` })).json().requests
  assert.equal((await get('method=post')).length, 2)
  assert.equal((await get('status=400')).length, 1)
  assert.equal((await get('status=2xx')).length, 2)
  assert.equal((await get('path=/v1/Flows/*/Executions&method=GET')).length, 1)
  assert.equal((await get('path=/v2/**')).length, 0)
  assert.equal((await get('limit=1')).length, 1)
  assert.equal((await app.inject({ method: 'DELETE', url: '/__emulator/requests' })).statusCode, 204)
  assert.equal((await get('')).length, 0)
})

test('the journal is a ring buffer of STUDIO_JOURNAL_SIZE', async (t) => {
  const app = await buildTestApp(t, { raw: { journalSize: '3' } })
  for (let i = 0; i < 5; i++) await call(app, 'GET', `/v1/Flows/${FLOW}/Executions?PageSize=${i + 1}`)
  const { requests } = (await app.inject({ method: 'GET', url: '/__emulator/requests' })).json()
  assert.deepEqual(requests.map((r: any) => r.query.PageSize), ['5', '4', '3'])
})
