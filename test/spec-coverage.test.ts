// Every operation of both of Twilio's Studio OpenAPI files, called over HTTP; every success response must
// validate against the operation's documented schema and status.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { buildTestApp, call, idle } from './support/helper.js'
import { askDefinition, greetingDefinition } from './support/flows.js'
import { assertMatchesSpec, operations } from './support/spec.js'

interface Fixture { flow: string, execution: string, step: string }

let contact = 0
async function fixture (app: FastifyInstance, version: 'v1' | 'v2', collection = 'Executions'): Promise<Fixture> {
  // A flow that waits for a reply, so that its executions stay active and have a step.
  const flow = (await call(app, 'POST', '/v2/Flows', { FriendlyName: 'coverage', Status: 'published', Definition: JSON.stringify(askDefinition()) })).body.sid
  const execution = (await call(app, 'POST', `/${version}/Flows/${flow}/${collection}`, { To: `+1555${contact++}`, From: '+15550000000' })).body.sid
  await idle(app)
  const steps = (await call(app, 'GET', `/${version}/Flows/${flow}/${collection}/${execution}/Steps`)).body.steps
  return { flow, execution, step: steps[0].sid }
}

/** Fills {Placeholders} from the segment before each: Flows → flow, Executions/Engagements → execution, Steps → step. */
function fill (path: string, f: Fixture): string {
  const parts = path.split('/')
  return parts.map((part, i) => {
    if (!part.startsWith('{')) return part
    const before = parts[i - 1]
    if (before === 'Flows') return f.flow
    if (before === 'Executions' || before === 'Engagements') return f.execution
    if (before === 'Steps') return f.step
    if (before === 'Revisions') return '1'
    throw new Error(`no value for ${part} in ${path}`)
  }).join('/')
}

const BODIES: Record<string, () => Record<string, string | string[]>> = {
  CreateExecution: () => ({ To: `+1555${contact++}`, From: '+15550000000', Parameters: '{"x":1}' }),
  CreateEngagement: () => ({ To: `+1555${contact++}`, From: '+15550000000' }),
  UpdateExecution: () => ({ Status: 'ended' }),
  CreateFlow: () => ({ FriendlyName: 'made', Status: 'draft', Definition: JSON.stringify(greetingDefinition()), CommitMessage: 'c' }),
  UpdateFlow: () => ({ Status: 'published', FriendlyName: 'renamed' }),
  UpdateFlowValidate: () => ({ FriendlyName: 'v', Status: 'published', Definition: JSON.stringify(greetingDefinition()) }),
  UpdateTestUser: () => ({ TestUsers: ['+15551112222', 'client:bob'] })
}

for (const version of ['v1', 'v2'] as const) {
  test(`every ${version} operation answers its documented status with a body that matches its schema`, async (t) => {
    const app = await buildTestApp(t)
    const ops = operations(version)
    assert.ok(ops.length >= (version === 'v1' ? 20 : 18), `${ops.length} operations`)
    for (const op of ops) {
      const collection = op.path.includes('/Engagements') ? 'Engagements' : 'Executions'
      // A fresh flow and run for each operation, so that deletes and updates never meet a state left by another.
      const f = await fixture(app, version, collection)
      const url = fill(op.path, f)
      const body = op.method === 'POST' ? (BODIES[op.operationId] ?? (() => { throw new Error(`no body for ${op.operationId}`) }))() : undefined
      const res = await call(app, op.method as 'GET', url, body)
      const documented = Object.keys(op.responses).map(Number).find(s => s >= 200 && s < 300)
      assert.equal(res.status, documented, `${op.operationId} ${op.method} ${url}: ${JSON.stringify(res.body)}`)
      if (documented !== 204) assertMatchesSpec(version, op.operationId, res.status, res.body)
      else assert.equal(res.raw.body, '')
    }
  })
}
