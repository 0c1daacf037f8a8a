// Who a flow belongs to, as Twilio sees it: AuthorSid (US…) is kept per revision and shown as author_sid; a FlowSid
// is global, so in auto mode one that another account owns is a 404 for this account and is never registered twice.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ACCOUNT_A, ACCOUNT_B, FLOW, assertTwilioError, buildTestApp, call, createExecution } from '../support/helper.js'
import { askDefinition } from '../support/flows.js'
import { assertMatchesSpec } from '../support/spec.js'

const ALICE = 'US' + 'a'.repeat(32)
const BOB = 'US' + 'b'.repeat(32)

test('AuthorSid is stored per revision and returned as author_sid on the Flow, in lists and on revisions', async (t) => {
  const app = await buildTestApp(t)
  const created = await call(app, 'POST', '/v2/Flows', { FriendlyName: 'Survey', Status: 'draft', Definition: JSON.stringify(askDefinition()), AuthorSid: ALICE })
  assert.equal(created.status, 201)
  assert.equal(created.body.author_sid, ALICE)
  assertMatchesSpec('v2', 'CreateFlow', 201, created.body)
  const sid = created.body.sid
  const updated = await call(app, 'POST', `/v2/Flows/${sid}`, { Status: 'published', AuthorSid: BOB })
  assert.equal(updated.body.author_sid, BOB)
  assert.equal(updated.body.revision, 2)
  // An update by no one in particular: the new revision has no author.
  const anonymous = await call(app, 'POST', `/v2/Flows/${sid}`, { Status: 'draft' })
  assert.equal(anonymous.body.author_sid, null)
  assert.deepEqual((await call(app, 'GET', `/v2/Flows/${sid}/Revisions`)).body.revisions.map((r: any) => r.author_sid), [null, BOB, ALICE])
  assert.equal((await call(app, 'GET', `/v2/Flows/${sid}/Revisions/2`)).body.author_sid, BOB)
  const listed = (await call(app, 'GET', '/v2/Flows')).body
  assert.equal(listed.flows[0].author_sid, null)
  assertMatchesSpec('v2', 'ListFlow', 200, listed)
  assertTwilioError(await call(app, 'POST', `/v2/Flows/${sid}`, { Status: 'draft', AuthorSid: 'US42' }), 400, 20001, /AuthorSid/)
  assertTwilioError(await call(app, 'POST', '/v2/Flows', { FriendlyName: 'x', Status: 'draft', Definition: JSON.stringify(askDefinition()), AuthorSid: 'ACnope' }), 400, 20001, /AuthorSid/)
  assert.equal((await call(app, 'GET', '/v2/Flows')).body.flows.length, 1, 'a refused create stores nothing')
})

test('auto mode: a FlowSid another account owns is a 404 for this account, never registered a second time', async (t) => {
  const app = await buildTestApp(t)
  const mine = await createExecution(app, {}, { who: ACCOUNT_A })
  assert.equal(mine.status, 200)
  assertTwilioError(await createExecution(app, {}, { who: ACCOUNT_B }), 404, 20404, `The requested resource /v1/Flows/${FLOW} was not found`)
  assertTwilioError(await createExecution(app, {}, { who: ACCOUNT_B, version: 'v2' }), 404, 20404, `The requested resource /v2/Flows/${FLOW} was not found`)
  assertTwilioError(await call(app, 'GET', `/v1/Flows/${FLOW}/Executions`, undefined, ACCOUNT_B), 404, 20404)
  assertTwilioError(await call(app, 'GET', `/v2/Flows/${FLOW}/Executions/${mine.body.sid as string}`, undefined, ACCOUNT_B), 404, 20404)
  // A flow account A created over the API is A's alone too.
  const created = await call(app, 'POST', '/v2/Flows', { FriendlyName: 'Survey', Status: 'published', Definition: JSON.stringify(askDefinition()) })
  assertTwilioError(await createExecution(app, {}, { who: ACCOUNT_B, flow: created.body.sid }), 404, 20404)
  const snapshot = (await app.inject({ method: 'GET', url: '/__emulator/snapshot' })).json()
  assert.deepEqual(snapshot.tables.flows.map((f: any) => f.account_sid), [ACCOUNT_A.sid, ACCOUNT_A.sid], 'nothing registered for account B')
  // Account A still reads and writes its own.
  assert.equal((await call(app, 'GET', `/v1/Flows/${FLOW}/Executions`)).body.executions.length, 1)
  // An unused FlowSid still registers on first use in auto mode.
  assert.equal((await createExecution(app, {}, { who: ACCOUNT_B, flow: 'FW' + 'c'.repeat(32) })).status, 200)
})

test('auto mode: Twilio\'s SMS and incoming-call webhooks posted to another account\'s FlowSid answer 404 and register nothing', async (t) => {
  const app = await buildTestApp(t)
  assert.equal((await createExecution(app, {}, { who: ACCOUNT_A })).status, 200)
  const before = (await app.inject({ method: 'GET', url: '/__emulator/snapshot' })).json().tables
  // As Twilio posts them to account B's webhook URL for A's flow: form fields, no Basic auth.
  const webhook = `/v1/Accounts/${ACCOUNT_B.sid}/Flows/${FLOW}`
  const sms = { MessageSid: 'SM' + '1'.repeat(32), SmsSid: 'SM' + '1'.repeat(32), AccountSid: ACCOUNT_B.sid, From: '+15551112222', To: '+15553334444', Body: 'hi', NumMedia: '0', NumSegments: '1', SmsStatus: 'received', ApiVersion: '2010-04-01' }
  const callFields = { CallSid: 'CA' + '2'.repeat(32), AccountSid: ACCOUNT_B.sid, From: '+15551112222', To: '+15553334444', CallStatus: 'ringing', Direction: 'inbound', ApiVersion: '2010-04-01' }
  for (const [what, fields] of [['SMS', sms], ['incoming call', callFields]] as const) {
    const res = await app.inject({ method: 'POST', url: webhook, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(fields).toString() })
    assertTwilioError({ status: res.statusCode, body: res.json(), headers: res.headers }, 404, 20404, `The requested resource ${webhook} was not found`)
    assert.equal(res.statusCode, 404, what)
  }
  const after = (await app.inject({ method: 'GET', url: '/__emulator/snapshot' })).json().tables
  assert.deepEqual(after.flows, before.flows, 'no flow registered for account B')
  assert.deepEqual(after.executions, before.executions, 'no execution started')
  assert.deepEqual([after.flows.map((f: any) => f.account_sid), after.executions.length], [[ACCOUNT_A.sid], 1])
  assertTwilioError(await call(app, 'GET', `/v1/Flows/${FLOW}/Executions`, undefined, ACCOUNT_B), 404, 20404)
})

test('a message or a call posted to the webhook of a flow with no published revision: 404 naming the webhook\'s path, nothing started', async (t) => {
  const app = await buildTestApp(t)
  const draft = await call(app, 'POST', '/v2/Flows', { FriendlyName: 'Draft', Status: 'draft', Definition: JSON.stringify(askDefinition()) })
  assert.equal(draft.status, 201)
  const webhook = `/v1/Accounts/${ACCOUNT_A.sid}/Flows/${draft.body.sid as string}`
  for (const fields of [{ From: '+15550001111', To: '+15559990000', Body: 'hi' } as Record<string, string>, { CallSid: 'CA' + '7'.repeat(32), From: '+15550001111', To: '+15559990000', CallStatus: 'ringing' }]) {
    const res = await app.inject({ method: 'POST', url: webhook, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(fields).toString() })
    assertTwilioError({ status: res.statusCode, body: res.json(), headers: res.headers }, 404, 20404, `The requested resource ${webhook} was not found`)
  }
  assert.deepEqual((await call(app, 'GET', `/v2/Flows/${draft.body.sid as string}/Executions`)).body.executions, [])
})
