import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ACCOUNT_A, ACCOUNT_B, FLOW, KEY_A, OTHER_FLOW, assertTwilioError, authHeader, buildTestApp, call, createExecution } from '../support/helper.js'

const EXECUTIONS = `/v1/Flows/${FLOW}/Executions`

test('no credentials: 401 20003 with Twilio\'s challenge header', async (t) => {
  const app = await buildTestApp(t)
  const res = await app.inject({ method: 'GET', url: EXECUTIONS })
  assertTwilioError({ status: res.statusCode, body: res.json(), headers: res.headers }, 401, 20003, 'Authentication Error - No credentials provided')
  assert.equal(res.headers['www-authenticate'], 'Basic realm="Twilio API"')
  assert.match(String(res.headers['twilio-request-id']), /^RQ[0-9a-f]{32}$/)
})

test('wrong or malformed credentials: 401 20003 with the message Twilio gives for each', async (t) => {
  const app = await buildTestApp(t)
  const cases: Array<[string, string]> = [
    [authHeader({ sid: ACCOUNT_A.sid, authToken: 'wrong' }), 'Authenticate'],
    [authHeader({ sid: ACCOUNT_A.sid, authToken: ACCOUNT_B.authToken }), 'Authenticate'],
    [authHeader({ sid: KEY_A.sid, secret: 'nope' }), 'Authenticate'],
    [authHeader({ sid: KEY_A.sid, authToken: ACCOUNT_A.authToken }), 'Authenticate'],
    [authHeader({ sid: 'AC99999999999999999999999999999999', authToken: ACCOUNT_A.authToken }), 'Authentication Error - invalid username'],
    [authHeader({ sid: ` ${ACCOUNT_A.sid}`, authToken: ACCOUNT_A.authToken }), 'Authentication Error - invalid username'],
    ['Basic ' + Buffer.from('no-colon').toString('base64'), 'Authentication Error - invalid username'],
    ['Bearer abc', 'Authentication Error - invalid username'],
    ['Basic !!!', 'Authentication Error - invalid username']
  ]
  for (const [authorization, message] of cases) {
    const res = await app.inject({ method: 'GET', url: EXECUTIONS, headers: { authorization } })
    assertTwilioError({ status: res.statusCode, body: res.json(), headers: res.headers }, 401, 20003, message)
    assert.equal(res.headers['www-authenticate'], 'Basic realm="Twilio API"')
  }
})

test('authentication comes before validation and routing under /v1', async (t) => {
  const app = await buildTestApp(t)
  for (const [method, url] of [['POST', EXECUTIONS], ['GET', '/v1/Nothing/Here'], ['PUT', EXECUTIONS], ['GET', '/v1/Flows/FWbad/Executions']] as const) {
    const res = await app.inject({ method, url })
    assert.equal(res.statusCode, 401, `${method} ${url}`)
  }
})

test('each account sees only its own executions: 404 on the other\'s, and never in a list', async (t) => {
  const app = await buildTestApp(t)
  const a = await createExecution(app, {}, { who: ACCOUNT_A })
  const b = await createExecution(app, {}, { who: ACCOUNT_B, flow: OTHER_FLOW })
  assert.equal(a.body.account_sid, ACCOUNT_A.sid)
  assert.equal(b.body.account_sid, ACCOUNT_B.sid)
  // Same To/From: the accounts share no contact SID.
  assert.notEqual(a.body.sid, b.body.sid)
  assert.notEqual(a.body.contact_sid, b.body.contact_sid)
  // FlowSids are global: A's flow is a 404 for B, for creates and lists alike.
  assertTwilioError(await createExecution(app, {}, { who: ACCOUNT_B }), 404, 20404)
  assertTwilioError(await call(app, 'GET', EXECUTIONS, undefined, ACCOUNT_B), 404, 20404)

  const url = `${EXECUTIONS}/${a.body.sid}`
  for (const [method, path, body] of [
    ['GET', url, undefined], ['GET', `${url}/Context`, undefined], ['GET', `${url}/Steps`, undefined],
    ['POST', url, { Status: 'ended' }], ['DELETE', url, undefined]
  ] as const) {
    assertTwilioError(await call(app, method, path, body, ACCOUNT_B), 404, 20404)
  }
  const listB = await call(app, 'GET', `/v1/Flows/${OTHER_FLOW}/Executions`, undefined, ACCOUNT_B)
  assert.deepEqual(listB.body.executions.map((e: any) => e.sid), [b.body.sid])
  const listKey = await call(app, 'GET', EXECUTIONS, undefined, KEY_A)
  assert.deepEqual(listKey.body.executions.map((e: any) => e.sid), [a.body.sid])
  // B's refused attempts changed nothing of A's.
  const fetched = await call(app, 'GET', url, undefined, ACCOUNT_A)
  assert.equal(fetched.body.status, 'active')
})
