import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ACCOUNT_B, assertTwilioError, buildTestApp, call, idle } from '../support/helper.js'
import { askDefinition } from '../support/flows.js'
import { assertExactFields, assertMatchesSpec } from '../support/spec.js'

test('Engagements (v1, deprecated): create, list, fetch, context, steps, delete with v1 wire rules', async (t) => {
  const app = await buildTestApp(t)
  const flow = (await call(app, 'POST', '/v2/Flows', { FriendlyName: 'g', Status: 'published', Definition: JSON.stringify(askDefinition()) })).body.sid
  const base = `/v1/Flows/${flow}/Engagements`
  const created = await call(app, 'POST', base, { To: '+15551234567', From: '+15557654321', Parameters: '{"a":1}' })
  assert.equal(created.status, 200)
  assertMatchesSpec('v1', 'CreateEngagement', 200, created.body)
  assertExactFields('v1', 'studio.v1.flow.engagement', created.body)
  const e = created.body
  assert.match(e.sid, /^FN[0-9a-f]{32}$/)
  assert.equal(e.url, `http://localhost:80${base}/${e.sid}`)
  assert.deepEqual(e.links, { steps: `${e.url}/Steps`, engagement_context: `${e.url}/Context` })
  // v1's active-contact rule: the same To/From returns the active engagement.
  assert.equal((await call(app, 'POST', base, { To: '+15551234567', From: '+15557654321' })).body.sid, e.sid)

  const list = await call(app, 'GET', base)
  assertMatchesSpec('v1', 'ListEngagement', 200, list.body)
  assert.equal(list.body.meta.key, 'engagements')
  assert.deepEqual(list.body.engagements.map((x: any) => x.sid), [e.sid])

  const fetched = await call(app, 'GET', `${base}/${e.sid}`)
  assertMatchesSpec('v1', 'FetchEngagement', 200, fetched.body)
  const ctx = await call(app, 'GET', `${base}/${e.sid}/Context`)
  assertMatchesSpec('v1', 'FetchEngagementContext', 200, ctx.body)
  assertExactFields('v1', 'studio.v1.flow.engagement.engagement_context', ctx.body)
  assert.equal(ctx.body.engagement_sid, e.sid)
  assert.deepEqual(ctx.body.context.flow.data, { a: 1 })

  await idle(app)
  const steps = await call(app, 'GET', `${base}/${e.sid}/Steps`)
  assertMatchesSpec('v1', 'ListStep', 200, steps.body)
  const step = steps.body.steps[0]
  assertExactFields('v1', 'studio.v1.flow.engagement.step', step)
  assert.equal(step.engagement_sid, e.sid)
  assert.equal(step.name, 'incomingRequest')
  const stepFetched = await call(app, 'GET', `${base}/${e.sid}/Steps/${step.sid}`)
  assertMatchesSpec('v1', 'FetchStep', 200, stepFetched.body)
  const stepCtx = await call(app, 'GET', `${base}/${e.sid}/Steps/${step.sid}/Context`)
  assertMatchesSpec('v1', 'FetchStepContext', 200, stepCtx.body)
  assertExactFields('v1', 'studio.v1.flow.engagement.step.step_context', stepCtx.body)

  // Engagements are the executions' older name: the same run, through either path.
  assert.equal((await call(app, 'GET', `/v1/Flows/${flow}/Executions/${e.sid}`)).status, 200)
  assertTwilioError(await call(app, 'POST', `${base}/${e.sid}`, { Status: 'ended' }), 405, 20004)
  assertTwilioError(await call(app, 'GET', `${base}/${e.sid}`, undefined, ACCOUNT_B), 404, 20404)
  assert.equal((await call(app, 'DELETE', `${base}/${e.sid}`)).status, 204)
  assertTwilioError(await call(app, 'GET', `${base}/${e.sid}`), 404, 20404)
  assertTwilioError(await call(app, 'POST', base, { To: '+1' }), 400, 20001, 'Missing required parameter From in the post body')
})
