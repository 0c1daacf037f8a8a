import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ACCOUNT_B, FLOW, assertTwilioError, buildTestApp, call, createExecution } from '../support/helper.js'
import { greetingDefinition } from '../support/flows.js'
import { assertExactFields, assertMatchesSpec } from '../support/spec.js'

test('v1 Flows lists, fetches and deletes flows with v1\'s shape', async (t) => {
  const app = await buildTestApp(t)
  const created = await call(app, 'POST', '/v2/Flows', { FriendlyName: 'Greeting', Status: 'published', Definition: JSON.stringify(greetingDefinition()) })
  const sid = created.body.sid
  await call(app, 'POST', `/v2/Flows/${sid}`, { Status: 'published', FriendlyName: 'Greeting 2' })

  const list = await call(app, 'GET', '/v1/Flows')
  assert.equal(list.status, 200)
  assertMatchesSpec('v1', 'ListFlow', 200, list.body)
  assert.equal(list.body.meta.key, 'flows')
  assert.deepEqual(list.body.flows.map((f: any) => f.sid), [sid])

  const fetched = await call(app, 'GET', `/v1/Flows/${sid}`)
  assertMatchesSpec('v1', 'FetchFlow', 200, fetched.body)
  assertExactFields('v1', 'studio.v1.flow', fetched.body)
  assert.equal(fetched.body.version, 2)
  assert.equal(fetched.body.friendly_name, 'Greeting 2')
  assert.equal(fetched.body.status, 'published')
  assert.deepEqual(fetched.body.links, {
    engagements: `http://localhost:80/v1/Flows/${sid}/Engagements`,
    executions: `http://localhost:80/v1/Flows/${sid}/Executions`
  })
  assertTwilioError(await call(app, 'GET', `/v1/Flows/${sid}`, undefined, ACCOUNT_B), 404, 20404)
  assertTwilioError(await call(app, 'POST', '/v1/Flows', { FriendlyName: 'x' }), 405, 20004)
  assertTwilioError(await call(app, 'POST', `/v1/Flows/${sid}`, { Status: 'draft' }), 405, 20004)

  const deleted = await call(app, 'DELETE', `/v1/Flows/${sid}`)
  assert.equal(deleted.status, 204)
  assertTwilioError(await call(app, 'GET', `/v1/Flows/${sid}`), 404, 20404)
})

test('deleting an auto-registered flow through v1 removes its executions', async (t) => {
  const app = await buildTestApp(t)
  const e = await createExecution(app)
  assert.equal((await call(app, 'DELETE', `/v1/Flows/${FLOW}`)).status, 204)
  assertTwilioError(await call(app, 'GET', `/v1/Flows/${FLOW}/Executions/${e.body.sid}`), 404, 20404)
  assert.equal((await call(app, 'GET', `/v1/Flows/${FLOW}/Executions`)).body.executions.length, 0)
})
