import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ACCOUNT_A, ACCOUNT_B, FLOW, OTHER_FLOW, assertTwilioError, buildTestApp, call, createExecution } from '../support/helper.js'

test('STUDIO_RATE_LIMITS=on: the 21st REST execution within a second is 429 20429', async (t) => {
  const clock = { t: Date.parse('2024-01-01T00:00:00Z'), now () { return this.t } }
  const app = await buildTestApp(t, { raw: { rateLimits: 'on' }, clock })
  for (let i = 0; i < 20; i++) {
    clock.t += 10
    assert.equal((await createExecution(app, { To: `+1555${i}` })).status, 200)
  }
  const limited = await createExecution(app, { To: '+1666' }, { version: 'v2' })
  assertTwilioError(limited, 429, 20429, 'Too Many Requests')
  // Other accounts have their own budget; reads are not limited.
  assert.equal((await createExecution(app, { To: '+1777' }, { who: ACCOUNT_B, flow: OTHER_FLOW })).status, 200)
  assert.equal((await call(app, 'GET', `/v1/Flows/${FLOW}/Executions`, undefined, ACCOUNT_A)).status, 200)
  // A second after the first, there is room again.
  clock.t = Date.parse('2024-01-01T00:00:01Z') + 10
  assert.equal((await createExecution(app, { To: '+1888' })).status, 200)
  assert.equal((await call(app, 'GET', `/v1/Flows/${FLOW}/Executions?PageSize=100`)).body.executions.length, 21)
})

test('without STUDIO_RATE_LIMITS there is no limit', async (t) => {
  const clock = { now: () => Date.parse('2024-01-01T00:00:00Z') }
  const app = await buildTestApp(t, { clock })
  for (let i = 0; i < 30; i++) assert.equal((await createExecution(app, { To: `+1555${i}` })).status, 200)
})
