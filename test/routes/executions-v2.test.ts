import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { ACCOUNT_A, FLOW, assertTwilioError, buildTestApp, call, createExecution, idle } from '../support/helper.js'
import { definitionWith, greetingDefinition } from '../support/flows.js'
import { assertExactFields, assertMatchesSpec } from '../support/spec.js'

async function publishFlow (app: FastifyInstance, definition = greetingDefinition(), status = 'published') {
  const res = await call(app, 'POST', '/v2/Flows', { FriendlyName: 'f', Status: status, Definition: JSON.stringify(definition) })
  assert.equal(res.status, 201)
  return res.body
}

test('v2 create answers 201 with flow_version and initiated_by', async (t) => {
  const app = await buildTestApp(t)
  const flow = await publishFlow(app)
  const res = await createExecution(app, { Parameters: '{"name":"Ana"}' }, { version: 'v2', flow: flow.sid })
  assert.equal(res.status, 201)
  assertMatchesSpec('v2', 'CreateExecution', 201, res.body)
  assertExactFields('v2', 'studio.v2.flow.execution', res.body)
  assert.equal(res.body.flow_version, 1)
  assert.equal(res.body.initiated_by, res.headers['twilio-request-id'])
  assert.equal(res.body.url, `http://localhost:80/v2/Flows/${flow.sid}/Executions/${res.body.sid}`)
  // The same execution through v1 has v1's shape.
  const v1 = await call(app, 'GET', `/v1/Flows/${flow.sid}/Executions/${res.body.sid}`)
  assertExactFields('v1', 'studio.v1.flow.execution', v1.body)
  assert.equal(v1.body.url, `http://localhost:80/v1/Flows/${flow.sid}/Executions/${res.body.sid}`)
})

test('v2 refuses a second active execution for the same To/From with Twilio\'s 409 body; v1 returns the active one', async (t) => {
  const app = await buildTestApp(t)
  const first = await createExecution(app, {}, { version: 'v2' })
  assert.equal(first.status, 201)
  const second = await createExecution(app, {}, { version: 'v2' })
  assert.equal(second.status, 409)
  assert.deepEqual(second.body, {
    code: 20409,
    details: { conflicting_execution_sid: first.body.sid },
    message: `Execution ${first.body.sid} is already active for this contact. End the active Execution before creating a new one`,
    more_info: 'https://www.twilio.com/docs/errors/20409',
    status: 409
  })
  const viaV1 = await createExecution(app, {}, { version: 'v1' })
  assert.equal(viaV1.status, 200)
  assert.equal(viaV1.body.sid, first.body.sid)
  await call(app, 'POST', `/v2/Flows/${FLOW}/Executions/${first.body.sid}`, { Status: 'ended' })
  assert.equal((await createExecution(app, {}, { version: 'v2' })).status, 201)
})

test('v2 lists filter on status; v1 ignores it', async (t) => {
  const app = await buildTestApp(t)
  const a = await createExecution(app, { To: '+1001' }, { version: 'v2' })
  const b = await createExecution(app, { To: '+1002' }, { version: 'v2' })
  await call(app, 'POST', `/v2/Flows/${FLOW}/Executions/${a.body.sid}`, { Status: 'ended' })
  const ended = await call(app, 'GET', `/v2/Flows/${FLOW}/Executions?status=ended`)
  assertMatchesSpec('v2', 'ListExecution', 200, ended.body)
  assert.deepEqual(ended.body.executions.map((e: any) => e.sid), [a.body.sid])
  assert.match(ended.body.meta.url, /\?status=ended&PageSize=50&Page=0$/)
  const active = await call(app, 'GET', `/v2/Flows/${FLOW}/Executions?status=active`)
  assert.deepEqual(active.body.executions.map((e: any) => e.sid), [b.body.sid])
  assertTwilioError(await call(app, 'GET', `/v2/Flows/${FLOW}/Executions?status=paused`), 400, 20001, /status/)
  assert.equal((await call(app, 'GET', `/v1/Flows/${FLOW}/Executions?status=ended`)).body.executions.length, 2)
})

test('a REST execution records its trigger step: incomingRequest from Trigger to the next widget', async (t) => {
  const app = await buildTestApp(t)
  const flow = await publishFlow(app)
  const created = await createExecution(app, { Parameters: '{"name":"Ana"}' }, { version: 'v2', flow: flow.sid })
  await idle(app)
  const steps = await call(app, 'GET', `/v2/Flows/${flow.sid}/Executions/${created.body.sid}/Steps`)
  assertMatchesSpec('v2', 'ListExecutionStep', 200, steps.body)
  // Newest first: Greet's step (sent → Ended), then the trigger's.
  assert.equal(steps.body.steps.length, 2)
  const step = steps.body.steps[1]
  assertExactFields('v2', 'studio.v2.flow.execution.execution_step', step)
  assert.equal(step.name, 'incomingRequest')
  assert.equal(step.transitioned_from, 'Trigger')
  assert.equal(step.transitioned_to, 'Greet')
  assert.equal(step.type, 'trigger')
  assert.equal(step.parent_step_sid, null)
  assert.match(step.sid, /^FT[0-9a-f]{32}$/)
  const fetched = await call(app, 'GET', new URL(step.url).pathname)
  assertMatchesSpec('v2', 'FetchExecutionStep', 200, fetched.body)
  assert.deepEqual(fetched.body, step)
  const ctx = await call(app, 'GET', new URL(step.links.step_context).pathname)
  assertMatchesSpec('v2', 'FetchExecutionStepContext', 200, ctx.body)
  assertExactFields('v2', 'studio.v2.flow.execution.execution_step.execution_step_context', ctx.body)
  assert.equal(ctx.body.step_sid, step.sid)
  assert.deepEqual(ctx.body.context.flow.data, { name: 'Ana' })
  assert.deepEqual(ctx.body.context.trigger.request.parameters, { name: 'Ana' })
  // v1 serves the same steps with v1 URLs.
  const v1 = await call(app, 'GET', `/v1/Flows/${flow.sid}/Executions/${created.body.sid}/Steps/${step.sid}`)
  assertMatchesSpec('v1', 'FetchExecutionStep', 200, v1.body)
  assert.equal(v1.body.url, `http://localhost:80/v1/Flows/${flow.sid}/Executions/${created.body.sid}/Steps/${step.sid}`)
})

test('an execution whose trigger leads nowhere ends at once with transitioned_to Ended', async (t) => {
  const app = await buildTestApp(t)
  const flow = await publishFlow(app, definitionWith([]))
  const created = await createExecution(app, {}, { version: 'v2', flow: flow.sid })
  assert.equal(created.body.status, 'active', 'the create answers before the flow runs')
  await idle(app)
  const fetched = await call(app, 'GET', `/v2/Flows/${flow.sid}/Executions/${created.body.sid}`)
  assert.equal(fetched.body.status, 'ended')
  const steps = await call(app, 'GET', `/v2/Flows/${flow.sid}/Executions/${created.body.sid}/Steps`)
  assert.equal(steps.body.steps[0].transitioned_to, 'Ended')
  // Ended, it does not block the contact.
  assert.equal((await createExecution(app, {}, { version: 'v2', flow: flow.sid })).status, 201)
})

test('executions run the latest published revision; a draft-only flow is 404 except for its test users', async (t) => {
  const app = await buildTestApp(t)
  const flow = await publishFlow(app, greetingDefinition(), 'draft')
  assertTwilioError(await createExecution(app, {}, { version: 'v2', flow: flow.sid }), 404, 20404, `The requested resource /v2/Flows/${flow.sid} was not found`)
  assertTwilioError(await createExecution(app, {}, { version: 'v1', flow: flow.sid }), 404, 20404)
  await call(app, 'POST', `/v2/Flows/${flow.sid}/TestUsers`, { TestUsers: '+15559990000' })
  const tester = await createExecution(app, { To: '+15559990000' }, { version: 'v2', flow: flow.sid })
  assert.equal(tester.status, 201)
  assert.equal(tester.body.flow_version, 1)

  // Publish revision 2, then make a draft revision 3: others run 2, the test user runs 3.
  await call(app, 'POST', `/v2/Flows/${flow.sid}`, { Status: 'published' })
  const draft = greetingDefinition()
  draft.states[1].properties.body = 'draft'
  await call(app, 'POST', `/v2/Flows/${flow.sid}`, { Status: 'draft', Definition: JSON.stringify(draft) })
  const someone = await createExecution(app, { To: '+15550000001' }, { version: 'v2', flow: flow.sid })
  assert.equal(someone.body.flow_version, 2)
  await call(app, 'POST', `/v2/Flows/${flow.sid}/Executions/${tester.body.sid}`, { Status: 'ended' })
  const again = await createExecution(app, { To: '+15559990000' }, { version: 'v2', flow: flow.sid })
  assert.equal(again.body.flow_version, 3)
})

test('an auto-registered flow shows up in the Flows APIs and its executions stay active', async (t) => {
  const app = await buildTestApp(t)
  const created = await createExecution(app, {}, { version: 'v2' })
  assert.equal(created.body.flow_version, 1)
  const steps = await call(app, 'GET', `/v2/Flows/${FLOW}/Executions/${created.body.sid}/Steps`)
  assert.equal(steps.body.steps.length, 0)
  assert.equal((await call(app, 'GET', `/v2/Flows/${FLOW}/Executions/${created.body.sid}`)).body.status, 'active')
  const flow = await call(app, 'GET', `/v2/Flows/${FLOW}`)
  assert.equal(flow.status, 200)
  assertMatchesSpec('v2', 'FetchFlow', 200, flow.body)
  assert.equal(flow.body.status, 'published')
  assert.equal(flow.body.valid, true)
  assert.equal(flow.body.account_sid, ACCOUNT_A.sid)
})
