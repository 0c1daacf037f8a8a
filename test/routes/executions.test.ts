import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  ACCOUNT_A, FLOW, KEY_A, OTHER_FLOW, assertTwilioError, buildTestApp, call, createExecution
} from '../support/helper.js'
import { assertExactFields, assertMatchesSpec } from '../support/spec.js'

const EXECUTIONS = `/v1/Flows/${FLOW}/Executions`
const SID = /^FN[0-9a-f]{32}$/
const DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/

test('creating an execution answers 200 with the spec\'s Execution shape', async (t) => {
  const app = await buildTestApp(t)
  const res = await createExecution(app, { To: '+15551234567', From: '+15557654321', Parameters: '{"name":"Zeke"}' })
  assert.equal(res.status, 200)
  assertMatchesSpec('v1', 'CreateExecution', 200, res.body)
  assertExactFields('v1', 'studio.v1.flow.execution', res.body)
  const e = res.body
  assert.match(e.sid, SID)
  assert.match(e.contact_sid, /^FC[0-9a-f]{32}$/)
  assert.equal(e.account_sid, ACCOUNT_A.sid)
  assert.equal(e.flow_sid, FLOW)
  assert.equal(e.contact_channel_address, '+15551234567')
  assert.equal(e.status, 'active')
  assert.deepEqual(e.context, {})
  assert.match(e.date_created, DATE)
  assert.equal(e.date_updated, e.date_created)
  assert.equal(e.url, `http://localhost:80${EXECUTIONS}/${e.sid}`)
  assert.deepEqual(e.links, { steps: `${e.url}/Steps`, execution_context: `${e.url}/Context` })
  assert.match(String(res.headers['twilio-request-id']), /^RQ[0-9a-f]{32}$/)
  assert.match(String(res.headers['content-type']), /^application\/json/)
})

test('the same To always gets the same contact SID within an account, and another To another one', async (t) => {
  const app = await buildTestApp(t)
  const a = await createExecution(app, { To: '+15550000001', From: '+15559990000' })
  const b = await createExecution(app, { To: '+15550000001', From: '+15559990001' }, { flow: OTHER_FLOW })
  const c = await createExecution(app, { To: '+15550000002', From: '+15559990000' })
  assert.equal(a.body.contact_sid, b.body.contact_sid)
  assert.notEqual(a.body.contact_sid, c.body.contact_sid)
})

test('v1: creating while the To/From pair has an active execution returns that one with 200 and creates nothing', async (t) => {
  const app = await buildTestApp(t)
  const first = await createExecution(app, { Parameters: '{"n":1}' })
  const second = await createExecution(app, { Parameters: '{"n":2}' })
  assert.equal(second.status, 200)
  assert.equal(second.body.sid, first.body.sid)
  const list = await call(app, 'GET', EXECUTIONS)
  assert.equal(list.body.executions.length, 1)
  const ctx = await call(app, 'GET', `${EXECUTIONS}/${first.body.sid}/Context`)
  assert.deepEqual(ctx.body.context.flow.data, { n: 1 })
  // A different From, or the pair after the first has ended, makes a new execution.
  const otherFrom = await createExecution(app, { From: '+15550009999' })
  assert.notEqual(otherFrom.body.sid, first.body.sid)
  await call(app, 'POST', `${EXECUTIONS}/${first.body.sid}`, { Status: 'ended' })
  const third = await createExecution(app)
  assert.notEqual(third.body.sid, first.body.sid)
  assert.equal(third.body.status, 'active')
})

test('the execution context holds Parameters under flow.data, From as flow channel and To as contact', async (t) => {
  const app = await buildTestApp(t)
  const params = { name: 'Zeke', nested: { list: [1, 'two', null], ok: true } }
  const created = await createExecution(app, { To: '+15551112222', From: '+15553334444', Parameters: JSON.stringify(params) })
  const res = await call(app, 'GET', `${EXECUTIONS}/${created.body.sid}/Context`)
  assert.equal(res.status, 200)
  assertMatchesSpec('v1', 'FetchExecutionContext', 200, res.body)
  assertExactFields('v1', 'studio.v1.flow.execution.execution_context', res.body)
  assert.equal(res.body.url, `${created.body.url}/Context`)
  assert.equal(res.body.execution_sid, created.body.sid)
  assert.deepEqual(res.body.context, {
    flow: { flow_sid: FLOW, sid: created.body.sid, channel: { address: '+15553334444' }, data: params, variables: {} },
    contact: { channel: { address: '+15551112222' } },
    trigger: { request: { from: '+15553334444', to: '+15551112222', parameters: params } },
    widgets: {}
  })
})

test('missing or empty To/From answers 400 20001 with Twilio\'s wording', async (t) => {
  const app = await buildTestApp(t)
  const cases: Array<[Record<string, string>, string]> = [
    [{ From: '+1555' }, 'To'],
    [{ To: '+1555' }, 'From'],
    [{ To: '', From: '+1555' }, 'To'],
    [{}, 'To']
  ]
  for (const [body, name] of cases) {
    const res = await call(app, 'POST', EXECUTIONS, body)
    assertTwilioError(res, 400, 20001, `Missing required parameter ${name} in the post body`)
  }
  const noBody = await app.inject({ method: 'POST', url: EXECUTIONS, headers: { authorization: (await import('../support/helper.js')).authHeader() } })
  assert.equal(noBody.statusCode, 400)
  assert.equal(noBody.json().message, 'Missing required parameter To in the post body')
})

test('Parameters that is not a JSON object answers 400 naming Parameters', async (t) => {
  const app = await buildTestApp(t)
  for (const bad of ['[1,2]', '"text"', '42', 'null', '{broken', 'true']) {
    const res = await createExecution(app, { Parameters: bad })
    assertTwilioError(res, 400, 20001, /Parameters/)
  }
  const list = await call(app, 'GET', EXECUTIONS)
  assert.equal(list.body.executions.length, 0, 'a refused create stores nothing')
})

test('a JSON body is not read: Twilio takes form fields only', async (t) => {
  const app = await buildTestApp(t)
  const res = await app.inject({
    method: 'POST',
    url: EXECUTIONS,
    headers: { authorization: (await import('../support/helper.js')).authHeader(), 'content-type': 'application/json' },
    payload: JSON.stringify({ To: '+1', From: '+2' })
  })
  assertTwilioError({ status: res.statusCode, body: res.json(), headers: res.headers }, 400, 20001, 'Missing required parameter To in the post body')
})

test('To and From over 300 bytes together are refused with Studio error 81023', async (t) => {
  const app = await buildTestApp(t)
  const res = await createExecution(app, { To: '+1' + '5'.repeat(150), From: '+1' + '6'.repeat(148) })
  assertTwilioError(res, 400, 81023, /malformed contact parameters/)
  assert.equal((await createExecution(app, { To: '+1' + '5'.repeat(148), From: '+1' + '6'.repeat(148) })).status, 200)
})

test('a repeated form field keeps its first value', async (t) => {
  const app = await buildTestApp(t)
  const res = await call(app, 'POST', EXECUTIONS, { To: ['+15550000001', '+15550000002'], From: '+15550000003' })
  assert.equal(res.status, 200)
  assert.equal(res.body.contact_channel_address, '+15550000001')
})

test('fetching an execution returns it; an unknown or malformed SID is 404 20404 naming the path', async (t) => {
  const app = await buildTestApp(t)
  const created = await createExecution(app)
  const res = await call(app, 'GET', `${EXECUTIONS}/${created.body.sid}`)
  assert.equal(res.status, 200)
  assertMatchesSpec('v1', 'FetchExecution', 200, res.body)
  assert.deepEqual(res.body, created.body)

  const unknown = 'FN00000000000000000000000000000000'
  assertTwilioError(await call(app, 'GET', `${EXECUTIONS}/${unknown}`), 404, 20404,
    `The requested resource /v1/Flows/${FLOW}/Executions/${unknown} was not found`)
  for (const path of [`${EXECUTIONS}/FNnothex`, `${EXECUTIONS}/FT00000000000000000000000000000000`,
    '/v1/Flows/FWshort/Executions', `/v1/Flows/${FLOW}x/Executions/${created.body.sid}`, `${EXECUTIONS}/${created.body.sid}0`]) {
    assertTwilioError(await call(app, 'GET', path), 404, 20404, `The requested resource ${path} was not found`)
  }
  // The right SID under another flow is not found either.
  assertTwilioError(await call(app, 'GET', `/v1/Flows/${OTHER_FLOW}/Executions/${created.body.sid}`), 404, 20404)
})

test('ending an active execution sets status ended and date_updated', async (t) => {
  let now = Date.parse('2024-03-01T10:00:00Z')
  const app = await buildTestApp(t, { clock: { now: () => now } })
  const created = await createExecution(app)
  now += 65_000
  const res = await call(app, 'POST', `${EXECUTIONS}/${created.body.sid}`, { Status: 'ended' })
  assert.equal(res.status, 200)
  assertMatchesSpec('v1', 'UpdateExecution', 200, res.body)
  assert.equal(res.body.status, 'ended')
  assert.equal(res.body.date_created, '2024-03-01T10:00:00Z')
  assert.equal(res.body.date_updated, '2024-03-01T10:01:05Z')
  const fetched = await call(app, 'GET', `${EXECUTIONS}/${created.body.sid}`)
  assert.equal(fetched.body.status, 'ended')
})

test('ending an ended execution answers 409 20409, and so does setting it back to active', async (t) => {
  const app = await buildTestApp(t)
  const created = await createExecution(app)
  const url = `${EXECUTIONS}/${created.body.sid}`
  await call(app, 'POST', url, { Status: 'ended' })
  assertTwilioError(await call(app, 'POST', url, { Status: 'ended' }), 409, 20409)
  assertTwilioError(await call(app, 'POST', url, { Status: 'active' }), 409, 20409)
  assert.equal((await call(app, 'GET', url)).body.status, 'ended')
})

test('Status active on an active execution changes nothing and answers 200', async (t) => {
  const app = await buildTestApp(t)
  const created = await createExecution(app)
  const res = await call(app, 'POST', `${EXECUTIONS}/${created.body.sid}`, { Status: 'active' })
  assert.equal(res.status, 200)
  assert.deepEqual(res.body, created.body)
})

test('update without Status is 400 20001; a Status outside the enum is 400; an unknown execution is 404', async (t) => {
  const app = await buildTestApp(t)
  const created = await createExecution(app)
  const url = `${EXECUTIONS}/${created.body.sid}`
  assertTwilioError(await call(app, 'POST', url, {}), 400, 20001, 'Missing required parameter Status in the post body')
  assertTwilioError(await call(app, 'POST', url, { Status: 'paused' }), 400, 20001, /Status/)
  assertTwilioError(await call(app, 'POST', url, { Status: 'ENDED' }), 400, 20001, /Status/)
  assertTwilioError(await call(app, 'POST', `${EXECUTIONS}/FN00000000000000000000000000000000`, { Status: 'ended' }), 404, 20404)
  assert.equal((await call(app, 'GET', url)).body.status, 'active')
})

test('deleting an execution answers 204 with no body and takes its context with it', async (t) => {
  const app = await buildTestApp(t)
  const created = await createExecution(app)
  const url = `${EXECUTIONS}/${created.body.sid}`
  const res = await call(app, 'DELETE', url)
  assert.equal(res.status, 204)
  assert.equal(res.raw.body, '')
  assertTwilioError(await call(app, 'GET', url), 404, 20404)
  assertTwilioError(await call(app, 'GET', `${url}/Context`), 404, 20404)
  assertTwilioError(await call(app, 'GET', `${url}/Steps`), 404, 20404)
  assertTwilioError(await call(app, 'DELETE', url), 404, 20404)
  // A deleted active execution no longer blocks its contact.
  const again = await createExecution(app)
  assert.notEqual(again.body.sid, created.body.sid)
})

test('an API key acts for its account', async (t) => {
  const app = await buildTestApp(t)
  const created = await createExecution(app, {}, { who: KEY_A })
  assert.equal(created.status, 200)
  assert.equal(created.body.account_sid, ACCOUNT_A.sid)
  const fetched = await call(app, 'GET', `${EXECUTIONS}/${created.body.sid}`, undefined, ACCOUNT_A)
  assert.equal(fetched.status, 200)
})

test('any text in To and From comes back exactly, escaped as JSON', async (t) => {
  const app = await buildTestApp(t)
  const to = 'whatsapp:+1 "quoted" \\ back\u0001slash é 中 😀 \u2028'
  const created = await createExecution(app, { To: to, From: 'client:ana' })
  assert.equal(created.status, 200)
  assert.equal(created.body.contact_channel_address, to)
  const listed = await call(app, 'GET', EXECUTIONS)
  assert.equal(listed.body.executions[0].contact_channel_address, to)
  assertMatchesSpec('v1', 'ListExecution', 200, listed.body)
})
