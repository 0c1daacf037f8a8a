import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { buildApp } from '../src/app.js'
import { FlowFileError, derivedFlowSid } from '../src/studio/flows.js'
import { ACCOUNT_A, ACCOUNT_B, FLOW, KEY_A, assertTwilioError, buildTestApp, call, createExecution, testConfig } from './support/helper.js'
import { FIXTURES, greetingDefinition } from './support/flows.js'

function flowsDir (t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'studio-flows-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  cpSync(fileURLToPath(FIXTURES), dir, { recursive: true })
  return dir
}

const ENDS = 'FW00000000000000000000000000000e0d'

test('STUDIO_FLOWS_DIR seeds every account with stable SIDs (given, or derived from the file name)', async (t) => {
  const dir = flowsDir(t)
  const app = await buildTestApp(t, { raw: { flowsDir: dir } })
  const greeting = derivedFlowSid('greeting.json')
  for (const who of [ACCOUNT_A, ACCOUNT_B, KEY_A]) {
    const list = await call(app, 'GET', '/v2/Flows', undefined, who)
    assert.deepEqual(list.body.flows.map((f: any) => f.sid).sort(), [ENDS, greeting, derivedFlowSid('ask.json')].sort())
  }
  const flow = await call(app, 'GET', `/v2/Flows/${greeting}`)
  assert.equal(flow.body.friendly_name, 'greeting')
  assert.equal(flow.body.status, 'published')
  assert.deepEqual(flow.body.definition, greetingDefinition())
  const ends = await call(app, 'GET', `/v2/Flows/${ENDS}`)
  assert.equal(ends.body.friendly_name, 'Ends at once')
  assert.equal(ends.body.definition.sid, undefined, 'metadata is not part of the definition')
  const e = await createExecution(app, {}, { version: 'v2', flow: greeting })
  assert.equal(e.status, 201)
})

test('restarting with the same folder changes nothing; a changed file makes a new revision', async (t) => {
  const dir = flowsDir(t)
  const db = join(dir, 'studio.db')
  const config = testConfig({ flowsDir: dir, db })
  const greeting = derivedFlowSid('greeting.json')
  let app = await buildApp({ config })
  await app.close()
  app = await buildApp({ config })
  assert.equal((await call(app, 'GET', `/v2/Flows/${greeting}`)).body.revision, 1)
  await app.close()
  const changed = greetingDefinition()
  changed.states[1].properties.body = 'Changed'
  writeFileSync(join(dir, 'greeting.json'), JSON.stringify(changed))
  app = await buildApp({ config })
  t.after(async () => { await app.close() })
  const flow = await call(app, 'GET', `/v2/Flows/${greeting}`)
  assert.equal(flow.body.revision, 2)
  assert.equal(flow.body.definition.states[1].properties.body, 'Changed')
})

test('a Flow resource as the API returns it is accepted as a file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'studio-flows-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const sid = 'FW11111111111111111111111111111111'
  writeFileSync(join(dir, 'fetched.json'), JSON.stringify({ sid, friendly_name: 'Fetched', status: 'draft', definition: greetingDefinition(), revision: 7 }))
  const app = await buildTestApp(t, { raw: { flowsDir: dir } })
  const flow = await call(app, 'GET', `/v2/Flows/${sid}`)
  assert.equal(flow.body.friendly_name, 'Fetched')
  assert.equal(flow.body.status, 'draft')
  assert.deepEqual(flow.body.definition, greetingDefinition())
})

test('a bad flow file stops startup naming the file and the reason', async (t) => {
  const cases: Array<[string, RegExp]> = [
    ['{ not json', /broken\.json: not valid JSON/],
    ['[1, 2]', /broken\.json: must hold a JSON object/],
    [JSON.stringify({ ...greetingDefinition(), sid: 'FWnope' }), /broken\.json: sid "FWnope" is not a Flow SID/],
    [JSON.stringify({ ...greetingDefinition(), initial_state: 'Missing' }), /broken\.json: invalid definition: #\/initial_state/],
    [JSON.stringify({ ...greetingDefinition(), sid: ENDS }), /sid FW0+e0d is also used by/]
  ]
  for (const [content, pattern] of cases) {
    const dir = flowsDir(t)
    writeFileSync(join(dir, 'broken.json'), content)
    await assert.rejects(buildApp({ config: testConfig({ flowsDir: dir }) }), (err: Error) => err instanceof FlowFileError && pattern.test(err.message))
  }
  await assert.rejects(buildApp({ config: testConfig({ flowsDir: '/no/such/folder' }) }), FlowFileError)
})

test('STUDIO_FLOWS=strict: unknown flows are 404 as in the cloud, seeded and created ones work', async (t) => {
  const dir = flowsDir(t)
  const app = await buildTestApp(t, { raw: { flowsDir: dir, flows: 'strict' } })
  assertTwilioError(await createExecution(app), 404, 20404, `The requested resource /v1/Flows/${FLOW} was not found`)
  assertTwilioError(await createExecution(app, {}, { version: 'v2' }), 404, 20404)
  assertTwilioError(await call(app, 'GET', `/v1/Flows/${FLOW}/Executions`), 404, 20404, `The requested resource /v1/Flows/${FLOW}/Executions was not found`)
  assertTwilioError(await call(app, 'GET', `/v2/Flows/${FLOW}`), 404, 20404)
  assert.equal((await call(app, 'GET', '/v2/Flows')).body.flows.length, 3)

  const seeded = await createExecution(app, {}, { version: 'v2', flow: derivedFlowSid('greeting.json') })
  assert.equal(seeded.status, 201)
  const made = await call(app, 'POST', '/v2/Flows', { FriendlyName: 'x', Status: 'published', Definition: JSON.stringify(greetingDefinition()) })
  assert.equal((await createExecution(app, {}, { version: 'v1', flow: made.body.sid })).status, 200)
})

test('STUDIO_FLOWS accepts only auto or strict', () => {
  assert.throws(() => testConfig({ flows: 'lenient' }), /STUDIO_FLOWS must be auto or strict/)
})

test('a flow file\'s derived SID is the README\'s formula: FW + SHA-256 of "studio-emulator-flow:<file name>"', async (t) => {
  const app = await buildTestApp(t, { raw: { flowsDir: fileURLToPath(FIXTURES) } })
  const documented = (file: string) => 'FW' + createHash('sha256').update(`studio-emulator-flow:${file}`).digest('hex').slice(0, 32)
  const listed = (await call(app, 'GET', '/v2/Flows')).body.flows.map((f: any) => [f.friendly_name, f.sid])
  assert.ok(listed.some(([name, sid]: [string, string]) => name === 'greeting' && sid === documented('greeting.json')), JSON.stringify(listed))
  assert.ok(listed.some(([name, sid]: [string, string]) => name === 'ask' && sid === documented('ask.json')))
})
