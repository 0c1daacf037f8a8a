import assert from 'node:assert/strict'
import { test } from 'node:test'
import { FLOW, assertTwilioError, buildTestApp, call, createExecution } from '../support/helper.js'
import { assertMatchesSpec } from '../support/spec.js'

test('every link of an execution resolves: Steps lists (empty until a flow runs), Context fetches', async (t) => {
  const app = await buildTestApp(t)
  const created = await createExecution(app)
  const steps = await call(app, 'GET', new URL(created.body.links.steps).pathname)
  assert.equal(steps.status, 200)
  assertMatchesSpec('v1', 'ListExecutionStep', 200, steps.body)
  assert.equal(steps.body.meta.key, 'steps')
  assert.equal(steps.body.meta.url, `${created.body.links.steps}?PageSize=50&Page=0`)
  const ctx = await call(app, 'GET', new URL(created.body.links.execution_context).pathname)
  assert.equal(ctx.status, 200)
})

test('a step that does not exist is 404, and so is its context', async (t) => {
  const app = await buildTestApp(t)
  const created = await createExecution(app)
  const base = `/v1/Flows/${FLOW}/Executions/${created.body.sid}/Steps`
  const step = 'FT00000000000000000000000000000000'
  assertTwilioError(await call(app, 'GET', `${base}/${step}`), 404, 20404, `The requested resource /v1/Flows/${FLOW}/Executions/${created.body.sid}/Steps/${step} was not found`)
  assertTwilioError(await call(app, 'GET', `${base}/${step}/Context`), 404, 20404)
  assertTwilioError(await call(app, 'GET', `${base}/FTnope`), 404, 20404)
  assertTwilioError(await call(app, 'GET', `${base}?PageSize=0`), 400, 20001)
  assertTwilioError(await call(app, 'GET', `${base}?PageToken=bogus`), 400, 20001)
})
