// Issue "Flows run as Studio runs them", point 6: a FlowSid first used without a definition (STUDIO_FLOWS=auto)
// logs one warning naming it and how to load its definition; once a flows folder gives that definition, the flow
// runs (its new executions record Steps), while the executions started before stay as they were.
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { buildApp } from '../../src/app.js'
import { FLOW, call, createExecution, idle, testConfig } from '../support/helper.js'
import { greetingDefinition } from '../support/flows.js'
import { basic, startEmulator } from '../support/properties.js'

const DEFAULT_AUTH = basic('ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa')

test('the first use of a FlowSid without a definition logs one warning naming it and how to load it', async (t) => {
  const server = startEmulator(['--port', '0', '--db', ':memory:'])
  t.after(async () => { await server.kill() })
  const base = await server.url()
  for (const to of ['+15550001', '+15550002']) {
    const res = await fetch(`${base}/v1/Flows/${FLOW}/Executions`, {
      method: 'POST',
      headers: { authorization: DEFAULT_AUTH, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ To: to, From: '+15559999' }).toString()
    })
    assert.equal(res.status, 200)
  }
  const warnings = server.output().stdout.split('\n').filter(l => l.includes('"level":40'))
  assert.equal(warnings.length, 1, server.output().stdout)
  const warning = JSON.parse(warnings[0] as string)
  assert.equal(warning.flow, FLOW)
  assert.match(warning.msg, new RegExp(`flow ${FLOW} is not loaded`))
  assert.match(warning.msg, /STUDIO_FLOWS_DIR/)
  assert.match(warning.msg, /record no Steps/)
})

test('an auto-registered flow runs once a flows folder gives its definition; its older executions stay as they were', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'studio-auto-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const db = join(dir, 'studio.db')
  let app = await buildApp({ config: testConfig({ db }) })
  const before = await createExecution(app, { To: '+15550001', From: '+15559999' }, { flow: FLOW })
  assert.equal(before.status, 200)
  await idle(app)
  assert.deepEqual((await call(app, 'GET', `/v1/Flows/${FLOW}/Executions/${before.body.sid}/Steps`)).body.steps, [])
  await app.close()

  const flows = join(dir, 'flows')
  mkdirSync(flows)
  writeFileSync(join(flows, 'greeting.json'), JSON.stringify({ sid: FLOW, friendly_name: 'Greeting', ...greetingDefinition() }))
  app = await buildApp({ config: testConfig({ db, flowsDir: flows }) })
  t.after(async () => { await app.close() })
  const after = await createExecution(app, { To: '+15550002', From: '+15559999' }, { version: 'v2', flow: FLOW })
  assert.equal(after.status, 201)
  await idle(app)
  const steps = (await call(app, 'GET', `/v2/Flows/${FLOW}/Executions/${after.body.sid}/Steps`)).body.steps
  assert.ok(steps.length > 0, 'the flow ran')
  assert.equal(steps.at(-1).transitioned_from, 'Trigger')
  assert.equal((await call(app, 'GET', `/v2/Flows/${FLOW}`)).body.friendly_name, 'Greeting')
  const old = await call(app, 'GET', `/v2/Flows/${FLOW}/Executions/${before.body.sid}`)
  assert.equal(old.body.status, 'active')
  assert.deepEqual((await call(app, 'GET', `/v2/Flows/${FLOW}/Executions/${before.body.sid}/Steps`)).body.steps, [])
})
